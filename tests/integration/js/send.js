'use strict';
/*
 * Send one message with nodemailer, for test_nodemailer.py.
 *
 *   node send.js JOB.json
 *
 * JOB: {host, port, secure, ca, from, to[], subject, text, attachment,
 *       raw_out, user, pass}.  The message is first built with
 * MailComposer and written to raw_out, then those exact bytes are sent
 * with an explicit envelope, so the test knows what went on the wire.
 * Prints one JSON line: {accepted, rejected, response} or {error}.
 */
const fs = require('fs');
const nodemailer = require('nodemailer');
const MailComposer = require('nodemailer/lib/mail-composer');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function fail(err) {
    process.stdout.write(JSON.stringify({
        error: String(err && err.message || err),
        code: err && err.code, responseCode: err && err.responseCode
    }) + '\n');
    process.exit(1);
}

const mail = new MailComposer({
    from: job.from,
    to: job.to.join(', '),
    subject: job.subject,
    text: job.text,
    date: new Date('2024-01-01T10:00:00Z'),
    messageId: '<' + job.subject.replace(/\W/g, '-') + '@client.test>',
    attachments: [{ filename: 'data.bin', path: job.attachment }]
}).compile();

mail.build((err, raw) => {
    if (err)
        return fail(err);
    fs.writeFileSync(job.raw_out, raw);
    const opts = {
        host: job.host,
        port: job.port,
        secure: job.secure,
        requireTLS: !job.secure,
        name: 'client.test',
        connectionTimeout: 20000,
        greetingTimeout: 20000,
        socketTimeout: 60000,
        tls: { ca: [fs.readFileSync(job.ca)], rejectUnauthorized: true }
    };
    if (job.user)
        opts.auth = { user: job.user, pass: job.pass };
    const transport = nodemailer.createTransport(opts);
    transport.sendMail({
        envelope: { from: job.from, to: job.to },
        raw: raw
    }, (err2, info) => {
        if (err2)
            return fail(err2);
        process.stdout.write(JSON.stringify({
            accepted: info.accepted, rejected: info.rejected,
            response: info.response
        }) + '\n');
        transport.close();
    });
});
