"""Customer service around the shared inbox: the team's working hours and buyers' satisfaction
ratings. Built on the inbox (a hook, a side panel), never imported by it."""
