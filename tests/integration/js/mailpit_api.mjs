/*
 * The npm package mailpit-api, unchanged, against mailrig's HTTP API, for
 * test_api_mailpit.py.
 *
 *   node mailpit_api.mjs SUBJECT
 *
 * MAILRIG_API_URL is the base URL; MAILRIG_API_TOKEN, if set, is sent as
 * a bearer token.  The test has delivered one message with SUBJECT and
 * an attachment.  Calls the client's methods in order and prints one
 * JSON object with what each returned (an error's message for the call
 * that must fail); exit 1 on any other error.
 */
import { MailpitClient } from 'mailpit-api';

const token = process.env.MAILRIG_API_TOKEN;
const client = new MailpitClient(process.env.MAILRIG_API_URL, token ?
    { fetchOptions: { headers: { Authorization: `Bearer ${token}` } } } :
    undefined);
const subject = process.argv[2];
const query = `subject:"${subject}"`;
const out = {};

try {
	out.info = await client.getInfo();
	out.configuration = await client.getConfiguration();
	out.list = await client.listMessages(0, 10);
	out.search = await client.searchMessages({ query });
	const id = out.search.messages[0].ID;
	out.summary = await client.getMessageSummary(id);
	out.latest = await client.getMessageSummary();
	out.headers = await client.getMessageHeaders(id);
	out.source = await client.getMessageSource(id);
	const part = out.summary.Attachments[0].PartID;
	const blob = await client.getMessageAttachment(id, part);
	out.attachment = Buffer.from(await blob.arrayBuffer())
	    .toString('base64');
	out.setUnread = await client.setReadStatus({ IDs: [id],
	    Read: false });
	out.unread = await client.searchMessages({
	    query: `${query} is:unread` });
	out.waited = await client.waitForMessage({ query },
	    { timeout: 5000, interval: 100 });
	out.waitedMany = await client.waitForMessages({ query, count: 1 },
	    { timeout: 5000, interval: 100 });
	out.text = await client.renderMessageText(id);
	out.tags = await client.getTags();
	out.deleteOne = await client.deleteMessages({ IDs: [id] });
	out.afterDelete = await client.searchMessages({ query });
	out.deleteAll = await client.deleteMessages();
	out.afterAll = await client.listMessages();
	try {
		await client.getMessageSummary('999999');
		out.missing = 'no error';
	} catch (e) {
		out.missing = e.message;
	}
	console.log(JSON.stringify(out));
} catch (e) {
	console.log(JSON.stringify({ error: e.message, partial: out }));
	process.exit(1);
}
