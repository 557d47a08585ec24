"""People who sign in. Its own app because the user model must exist before anything that
points at it, and because people span workspaces: a user is not tenant-owned data."""
