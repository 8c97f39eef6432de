"""The floor for bench_load: Flask answering every webhook with one fixed <Gather>.

No signature check, no database, no dialogue: what gunicorn + Flask + Twilio's TwiML
library cost at the least, measured beside the hotline in the same run.
"""

from flask import Flask, Response
from twilio.twiml.voice_response import VoiceResponse

app = Flask(__name__)


@app.post("/voice/<path:_anything>")
def answer(_anything):
    response = VoiceResponse()
    gather = response.gather(input="speech dtmf", action="/voice/turn?t=0", language="de-DE")
    gather.say("Guten Tag, hier ist das Jobcenter Rems-Murr.", language="de-DE")
    return Response(str(response), mimetype="text/xml")
