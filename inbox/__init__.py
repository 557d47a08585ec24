"""The shared inbox: the people who comment and write (contacts), what they said in public
(comments) and in private (conversations and their messages), and who on the team handles
each conversation.

Its own app because three others stand on it: flows reads comments and writes bot messages,
attribution ties orders to conversations, and the customer-service views work the same
conversations by hand. It sits above integrations (platform events arrive through its
webhook handler registry) and below flows.
"""
