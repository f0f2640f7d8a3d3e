"""HighLevel's official Python SDK (gohighlevel-api-client) calling the email operations of a running server.

    python email_calls.py BASE_URL TOKEN EMAIL_ID SCHEDULED_EMAIL_ID

Prints one JSON object, on the last line (the SDK logs the errors it raises there too): each call's answer, or for a call the SDK raised on, {"error": status, "body": …}.
EmailSDKTests (Tests/SwitchboardServerTests) runs it against Switchboard.
"""

import asyncio
import json
import sys

from highlevel import HighLevel
from highlevel.error import GHLError


async def answer(call):
    try:
        return await call
    except GHLError as error:
        return {"error": error.status_code, "body": error.response}


async def main(base, token, email, scheduled):
    HighLevel.BASE_URL = base  # read when a client is made: set it first
    ghl = HighLevel(private_integration_token=token)
    conversations = ghl.conversations
    # HighLevel's v2 document declares no path parameter for get-email-by-id, so the SDK's method has none and
    # requests ".../email/{id}" literally: callers pass the URL themselves.
    url = f"{base}/conversations/messages/email/"
    results = {
        "get": await answer(conversations.get_email_by_id(options={"url": url + email})),
        "getUnknown": await answer(conversations.get_email_by_id(options={"url": url + "NoSuchEmail000000000"})),
        "status": await answer(conversations.update_email_message_status(
            email, {"status": "opened", "recipients": [{"emailId": "ada@example.com", "status": "opened"}]})),
        "cancel": await answer(conversations.cancel_scheduled_email_message(scheduled)),
        "cancelAgain": await answer(conversations.cancel_scheduled_email_message(scheduled)),
    }
    results["after"] = await answer(conversations.get_email_by_id(options={"url": url + email}))
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
