// The web inbox in a real browser: Debian's headless Chromium driven by
// playwright-core (no downloaded browser).  Usage: node web_inbox.js JOB
// where JOB is a JSON file written by test_web.py.  Mail is sent with
// swaks while the page is open; every check that fails throws, and the
// last stdout line is a JSON summary.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");
const { chromium } = require("playwright-core");

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const base = job.url;			// http://127.0.0.1:PORT
const WAIT = job.wait_ms || 10000;
const steps = [];
const cspBlocked = [];

function check(cond, what) {
	if (!cond)
		throw new Error("check failed: " + what);
	steps.push(what);
}

function swaks(file) {
	const r = spawnSync("swaks", ["--server", "127.0.0.1",
	    "--port", String(job.smtp), "--from", job.from, "--to", job.to,
	    "--helo", "client.example.test", "--data", file],
	    { encoding: "utf8", timeout: 20000 });
	if (r.status !== 0)
		throw new Error("swaks exit " + r.status + ": " + r.stdout +
		    r.stderr);
}

function isForeign(u) {
	return !u.startsWith(base + "/") && !u.startsWith("data:") &&
	    u !== "about:blank" && u !== "about:srcdoc";
}

async function shot(page, name) {
	const p = path.join(job.shots, name + ".png");

	await page.screenshot({ path: p });
	steps.push("screenshot " + p);
}

async function main() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mailrig-web-"));
	const foreign = [], routed = [], answered = [];
	let ctx;

	fs.mkdirSync(job.shots, { recursive: true });
	try {
		ctx = await chromium.launchPersistentContext(profile, {
			executablePath: job.chromium,
			headless: true,
			args: ["--headless", "--no-sandbox", "--disable-gpu",
			    "--disable-quic", "--no-first-run",
			    "--disable-background-networking",
			    "--disable-component-update", "--disable-sync"],
			viewport: { width: 1280, height: 800 },
			colorScheme: "light",
			acceptDownloads: false
		});
		// Chromium reports a request the CSP refused too, before it
		// refuses it; such a one must fail as blocked.  Anything that
		// reaches the network layer (the route) is a failure.
		ctx.on("request", (r) => {
			if (isForeign(r.url()))
				foreign.push(r);
		});
		ctx.on("response", (r) => {
			if (isForeign(r.url()))
				answered.push(r.url());
		});
		await ctx.route((u) => isForeign(u.href), (route) => {
			routed.push(route.request().url());
			route.abort();
		});
		await run(ctx);
		const unblocked = foreign.filter((r) => {
			const f = r.failure();

			return !f || !/csp/i.test(f.errorText);
		}).map((r) => r.url() + " (" + (r.failure() ?
		    r.failure().errorText : "not failed") + ")");
		check(cspBlocked.length >= 1, "the CSP refused the mail's " +
		    "remote references (" + cspBlocked.length + ")");
		check(routed.length === 0 && answered.length === 0 &&
		    unblocked.length === 0, "no request left mailrig: " +
		    "routed [" + routed.join(" ") + "], answered [" +
		    answered.join(" ") + "], not blocked by CSP [" +
		    unblocked.join(" ") + "]");
	} finally {
		if (ctx)
			await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

async function run(ctx) {
	const page = ctx.pages()[0] || await ctx.newPage();
	const errors = [];

	page.setDefaultTimeout(WAIT);
	page.on("pageerror", (e) => errors.push(e.message));
	page.on("console", (m) => {
		const t = m.text();

		if (/Content Security Policy/.test(t) &&
		    t.indexOf("198.51.100.7") >= 0)
			cspBlocked.push(t);
	});
	// What a script in the mail would do if it ran: post to us.
	await page.addInitScript(() => {
		window.__posted = [];
		window.addEventListener("message", (e) => {
			window.__posted.push(String(e.data));
		});
	});
	await page.goto(base + "/");
	check(await page.title() === "mailrig inbox", "page loads");
	await page.evaluate(() => { window.__loadMark = 42; });
	await page.waitForSelector("body[data-live=\"live\"]");
	check(true, "event stream connected");
	check(await page.isVisible("#list-empty"), "empty inbox at start");

	// 1. A message appears without reload.
	swaks(job.mail_html);
	const row = page.locator("#list .row", { hasText: job.subject });
	await row.waitFor();
	check(await page.evaluate(() => window.__loadMark) === 42,
	    "message appeared without a reload");
	check(await row.locator(".att").count() === 1, "attachment marker");
	await shot(page, "1-list");

	// 2. Keyboard: j selects, Enter opens, HTML view first.
	await page.keyboard.press("j");
	check(await page.locator("#list .row.sel").count() === 1,
	    "j selects a row");
	await page.keyboard.press("Enter");
	await page.waitForFunction((s) =>
	    document.getElementById("msg-subject").textContent === s,
	    job.subject);
	check(/^#\/m\/[^/]+/.test(await page.evaluate(() => location.hash)),
	    "Enter opens the message");
	const id = await page.evaluate(() =>
	    decodeURIComponent(location.hash.split("/")[2]));
	const frameEl = page.locator("iframe.html-frame");
	await frameEl.waitFor();
	check(await frameEl.getAttribute("sandbox") === "",
	    "HTML frame has sandbox=\"\"");
	const srcdoc = await frameEl.getAttribute("srcdoc") || "";
	check(srcdoc.indexOf("Content-Security-Policy") >= 0 &&
	    srcdoc.indexOf("default-src 'none'") >= 0, "frame CSP present");
	const frame = page.frameLocator("iframe.html-frame");
	await frame.locator("#marker").waitFor();
	check(await frame.locator("h1").textContent() === "Hello in HTML",
	    "HTML rendered in the frame");
	check(await frame.locator("#marker").textContent() === "untouched",
	    "script in the mail did not run");
	await shot(page, "2-html");

	// 3. The other tabs by number.
	await page.keyboard.press("2");
	await page.waitForSelector("#tab-body pre.text");
	check((await page.textContent("#tab-body pre.text"))
	    .indexOf("plain text part") >= 0, "text tab");
	await page.keyboard.press("3");
	await page.waitForSelector("#tab-body table.headers th");
	check(await page.locator("#tab-body table.headers th",
	    { hasText: "Subject" }).count() >= 1, "headers tab");
	await page.keyboard.press("4");
	await page.waitForSelector("#tab-body pre.raw");
	check((await page.textContent("#tab-body pre.raw"))
	    .indexOf("<script>") >= 0, "raw tab shows the source");
	await page.keyboard.press("5");
	const link = page.locator("#tab-body ul.parts a",
	    { hasText: "notes.txt" });
	await link.waitFor();
	const href = await link.getAttribute("href");
	check(href.startsWith("/api/v1/message/" + encodeURIComponent(id) +
	    "/part/"), "attachment link " + href);
	const got = await page.evaluate((h) =>
	    fetch(h).then((r) => r.text()), href);
	// The CRLF before the boundary belongs to it (RFC 2046 5.1.1).
	check(got.replace(/\r\n/g, "\n") === job.attachment_text,
	    "attachment downloads (" + JSON.stringify(got) + ")");
	await shot(page, "3-attachments");

	// 4. The session: two columns, findings at the evidence line.
	await page.keyboard.press("6");
	await page.waitForSelector("#tab-body table.transcript");
	check(await page.locator("table.transcript tr.c td.line",
	    { hasText: "MAIL FROM:<" + job.from + ">" }).count() === 1,
	    "client line in the client column");
	check(await page.locator("table.transcript tr.s td.line",
	    { hasText: "220 " }).count() >= 1,
	    "server line in the server column");
	check(await page.locator(".findings-box code",
	    { hasText: job.rule }).count() === 1, "finding " + job.rule +
	    " listed");
	check(await page.locator("table.transcript tr.has-finding")
	    .count() >= 1, "evidence line highlighted");
	check(await page.locator("table.transcript tr.finding",
	    { hasText: job.rule }).count() === 1,
	    "finding shown under its line");
	await shot(page, "4-session");

	// 5. Esc back to the list; findings overview; Enter to evidence.
	await page.keyboard.press("Escape");
	await page.waitForSelector("#msg", { state: "hidden" });
	check(await page.evaluate(() => location.hash) === "#/",
	    "Esc closes the message");
	await page.keyboard.press("f");
	await page.waitForSelector("#findings-view table.findings tbody tr");
	check(await page.locator("#findings-view tr", { hasText: job.rule })
	    .count() >= 1, "findings overview lists " + job.rule);
	await shot(page, "5-findings");
	await page.keyboard.press("j");
	await page.keyboard.press("Enter");
	await page.waitForSelector("#session-view table.transcript tr.focus");
	check(/^#\/s\/\d+\/\d+$/.test(await page.evaluate(() =>
	    location.hash)), "Enter on a finding opens its evidence");

	// 6. Help and search.
	await page.keyboard.press("i");
	await page.waitForSelector("#inbox-view:not([hidden])");
	await page.keyboard.press("?");
	check(await page.isVisible("#help"), "? opens help");
	await page.keyboard.press("Escape");
	check(!(await page.isVisible("#help")), "Esc closes help");
	await page.keyboard.press("/");
	check(await page.evaluate(() => document.activeElement.id) ===
	    "search", "/ focuses search");
	await page.keyboard.type("nothing-matches-this-xyz");
	await page.waitForSelector("#list-empty", { state: "visible" });
	check(true, "search with no match empties the list");
	await page.fill("#search", "");
	await page.keyboard.press("Enter");
	await row.waitFor();
	await page.keyboard.press("Escape");

	// 7. Without the event stream the page polls.
	const page2 = await ctx.newPage();
	page2.setDefaultTimeout(WAIT);
	await page2.route("**/api/v1/events", (r) => r.abort());
	await page2.goto(base + "/");
	await page2.waitForSelector("body[data-live=\"polling\"]");
	swaks(job.mail_plain);
	await page2.locator("#list .row", { hasText: job.subject2 })
	    .waitFor();
	check(true, "polling shows new mail when events are down");
	await page2.close();
	// The first page got it live as well.
	await row.waitFor();
	await page.locator("#list .row", { hasText: job.subject2 }).waitFor();

	// 8. Dark scheme.
	await page.emulateMedia({ colorScheme: "dark" });
	await shot(page, "6-list-dark");
	await row.click();
	await page.waitForSelector("iframe.html-frame");
	await page.keyboard.press("6");
	await page.waitForSelector("#tab-body table.transcript");
	await shot(page, "7-session-dark");

	check(await page.title() === "mailrig inbox",
	    "title not changed by the mail");
	check((await page.evaluate(() => window.__posted)).length === 0,
	    "no message posted from the mail");
	check(errors.length === 0, "no page errors (" + errors.join("; ") +
	    ")");
}

main().then(() => {
	console.log(JSON.stringify({ ok: true, steps: steps }));
}, (e) => {
	console.log(JSON.stringify({ ok: false, error: String(e.stack || e),
	    steps: steps }));
	process.exitCode = 1;
});
