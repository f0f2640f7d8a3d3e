"""HighLevel's official Python SDK (gohighlevel-api-client) calling operations of a running server that its own
tests do not reach otherwise: emails by id, a provider's email report, a scheduled email's cancel, a call's
transcription and recording, a file upload, and the contacts calls integrations make (search, update, delete).

    python sdk_calls.py BASE_URL TOKEN EMAIL_ID SCHEDULED_EMAIL_ID LOCATION_ID CALL_ID RECORDED_CALL_ID CONTACT_ID

Prints one JSON object, on the last line (the SDK logs the errors it raises there too): each call's answer, or for a call the SDK raised on, {"error": status, "body": …}.
OfficialSDKTests (Tests/SwitchboardServerTests) runs it against Switchboard. (The SDK's
download_message_transcription parses the answer as JSON, so it cannot read the text file it downloads: not called.
get_message_recording parses the audio it downloads as JSON too, and upload_file_attachments sends its body as JSON,
not multipart, so no file can be uploaded with it: both are called, and what they do is reported.)
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


async def main(base, token, email, scheduled, location, call, recorded, contact):
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
    results["transcription"] = await answer(conversations.get_message_transcription(location, call))
    results["noRecording"] = await answer(conversations.get_message_recording(location, call))
    try:
        await conversations.get_message_recording(location, recorded)
        results["recording"] = "parsed"
    except ValueError:
        results["recording"] = "audio, not JSON"
    results["upload"] = await answer(conversations.upload_file_attachments(
        {"conversationId": "c", "contactId": "c", "locationId": location, "attachmentUrls": []}))
    contacts = ghl.contacts
    results["search"] = await answer(contacts.search_contacts_advanced({
        "locationId": location, "pageLimit": 10,
        "filters": [{"field": "email", "operator": "eq", "value": "ADA@example.com"}]}))
    results["update"] = await answer(contacts.update_contact(contact, {"firstName": "Augusta"}))
    results["delete"] = await answer(contacts.delete_contact(contact))
    results["deletedSearch"] = await answer(contacts.search_contacts_advanced({"locationId": location}))
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:9]))
