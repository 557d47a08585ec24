"""Comment triggers, DM flows and their runs: deciding which trigger a comment fires, and
stepping the conversation that follows. Events reach it through the integrations webhook
handler registry; it never talks to TikTok except through integrations' clients."""
