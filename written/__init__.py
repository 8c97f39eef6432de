"""Conversations in writing (SMS and the web chat): their sessions, their messages, and a
person taking one over from the console. The conversation itself is the voice hotline's
(conversation/); the web adapter (ivr) runs it and renders what it says for reading.
"""
