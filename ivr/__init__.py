"""The conversation: Twilio voice webhooks, the dialogue state machine, prompts and TwiML."""
