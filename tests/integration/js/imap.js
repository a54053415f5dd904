'use strict';
/*
 * imapflow against mailrig's IMAP fake, for test_imap_imapflow.py.
 *
 *   node imap.js JOB.json
 *
 * JOB: {host, port, secure, starttls, ca, user, pass}.  Prints one JSON
 * line per step: list, fetch (every INBOX message with its source in
 * base64), idle (once the server accepted IDLE), exists (the event the
 * new message raised), fetched (the new message), move, status, done;
 * or {event: "error"} and exit 1.  The test delivers the new message by
 * SMTP when it reads the idle line.  Every wait is bounded.
 */
const fs = require('fs');
const { ImapFlow } = require('imapflow');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const WAIT_MS = 30000;

function say(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(err) {
    say({ event: 'error', error: String(err && err.stack || err) });
    process.exit(1);
}

let idleSeen = false;
const quiet = () => {};
const logger = {
    trace: quiet, info: quiet, warn: quiet, error: quiet, fatal: quiet,
    debug(entry) {
        // imapflow logs this when the server's "+" continuation for
        // IDLE arrived (RFC 2177 3): only then is IDLE really on.
        if (!idleSeen && entry && typeof entry.msg === 'string' &&
            entry.msg.startsWith('Initiated IDLE')) {
            idleSeen = true;
            say({ event: 'idle' });
        }
    }
};

const client = new ImapFlow({
    host: job.host, port: job.port, secure: job.secure,
    doSTARTTLS: job.starttls ? true : undefined,
    tls: { ca: [fs.readFileSync(job.ca)], servername: 'localhost' },
    auth: { user: job.user, pass: job.pass },
    logger, disableAutoIdle: true, connectionTimeout: WAIT_MS,
    greetingTimeout: WAIT_MS, socketTimeout: 60000
});

function within(promise, what) {
    let timer;
    const limit = new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(what + ' timed out')),
            WAIT_MS);
    });
    return Promise.race([promise, limit]).finally(() =>
        clearTimeout(timer));
}

function msgOut(m) {
    return {
        seq: m.seq, uid: m.uid, flags: Array.from(m.flags || []),
        subject: m.envelope && m.envelope.subject,
        messageId: m.envelope && m.envelope.messageId,
        source: m.source.toString('base64')
    };
}

async function main() {
    await within(client.connect(), 'connect');
    const boxes = await client.list();
    say({
        event: 'list', boxes: boxes.map(b => ({
            path: b.path, specialUse: b.specialUse || null,
            delimiter: b.delimiter
        }))
    });

    const box = await client.mailboxOpen('INBOX');
    const first = [];
    for await (const m of client.fetch('1:*', {
        uid: true, flags: true, envelope: true, source: true
    }))
        first.push(msgOut(m));
    say({ event: 'fetch', exists: box.exists, uidValidity:
        String(box.uidValidity), messages: first });

    const exists = new Promise(resolve => client.on('exists', resolve));
    client.idle().catch(fail);
    const ev = await within(exists, 'exists event');
    say({ event: 'exists', count: ev.count, prevCount: ev.prevCount });

    /* Any command ends IDLE (imapflow sends DONE first). */
    const m = await client.fetchOne(String(ev.count), {
        uid: true, flags: true, envelope: true, source: true
    });
    say({ event: 'fetched', message: msgOut(m) });

    const moved = await client.messageMove('1', 'Trash');
    say({
        event: 'move', destination: moved && moved.destination,
        uidMap: moved && moved.uidMap ?
            Array.from(moved.uidMap.entries()) : null
    });
    const inbox = await client.status('INBOX', { messages: true });
    const trash = await client.status('Trash', { messages: true });
    say({ event: 'status', inbox: inbox.messages, trash: trash.messages });
    await client.logout();
    say({ event: 'done' });
}

main().catch(fail);
