// The web inbox against `mailrig serve --api-token T`, in headless
// Chromium.  Usage: node web_token.js JOB (JSON written by test_web.py).
// Opened as /?token=T the page must send the token on every API request
// and show mail as it arrives, also after a reload (the token is kept in
// sessionStorage, not in the address bar); opened without it, or with a
// wrong one, it must say "Unauthorized" and stop asking.  The last stdout
// line is a JSON summary.
"use strict";

const fs = require("fs");
const { spawnSync } = require("child_process");
const { chromium } = require("playwright-core");

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const base = job.url;			// http://127.0.0.1:PORT
const WAIT = job.wait_ms || 10000;
const steps = [];

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

// A fresh context: its own sessionStorage, so no token carries over.
async function openPage(browser, url, apiRequests, errors) {
	const ctx = await browser.newContext();
	const page = await ctx.newPage();

	page.setDefaultTimeout(WAIT);
	page.on("pageerror", (e) => errors.push(e.message));
	page.on("request", (r) => {
		if (r.url().startsWith(base + "/api/"))
			apiRequests.push(r);
	});
	await page.goto(url);
	return { ctx, page };
}

function authorized(r) {
	const u = new URL(r.url());

	return r.headers()["authorization"] === "Bearer " + job.token ||
	    u.searchParams.get("access_token") === job.token;
}

async function unauthorizedPage(browser, url, want, errors) {
	const reqs = [];
	const { ctx, page } = await openPage(browser, url, reqs, errors);

	await page.waitForSelector("body[data-live=\"unauthorized\"]");
	const info = await page.textContent("#list-info");
	check(/Unauthorized/.test(info) && info.indexOf(want) >= 0,
	    url + ": the page says unauthorized (" + info + ")");
	check(await page.locator("#list .row").count() === 0,
	    url + ": no message listed");
	check(!(await page.isVisible("#list-empty")),
	    url + ": no \"no messages yet\" either");
	// Stopped: no polling behind the message.
	const n = reqs.length;
	await page.waitForTimeout(2500);
	check(reqs.length === n, url + ": no API requests after the 401 (" +
	    (reqs.length - n) + ")");
	await ctx.close();
}

async function run(browser) {
	const errors = [], reqs = [];
	const { ctx, page } = await openPage(browser, base + "/?token=" +
	    encodeURIComponent(job.token), reqs, errors);

	check(await page.title() === "mailrig inbox", "page loads without " +
	    "the token in a header");
	await page.waitForSelector("body[data-live=\"live\"]");
	check(true, "event stream connected with the token");
	check(new URL(page.url()).search === "",
	    "token taken out of the address bar (" + page.url() + ")");
	swaks(job.mail_plain);
	const row = page.locator("#list .row", { hasText: job.subject });
	await row.waitFor();
	check(true, "delivered message shown");
	await page.reload();
	await page.waitForSelector("body[data-live=\"live\"]");
	await row.waitFor();
	check(true, "after a reload the kept token still works");
	await row.click();
	/* The raw tab exists once the message view is open; a key pressed
	   before that would go nowhere on a slow machine. */
	await page.locator("#tab-raw").waitFor();
	await page.locator("#tab-raw").click();
	const dl = page.locator("#tab-body a[download]");
	await dl.waitFor();
	const href = await dl.getAttribute("href");
	check(new URL(href, base).searchParams.get("access_token") ===
	    job.token, "download link carries access_token (" + href + ")");
	await page.locator("#tab-body pre.raw").waitFor();
	check((await page.textContent("#tab-body pre.raw"))
	    .indexOf(job.subject) >= 0, "raw message loaded");
	const bare = reqs.filter((r) => !authorized(r)).map((r) => r.url());
	check(reqs.length >= 4 && bare.length === 0, "all " + reqs.length +
	    " API requests carried the token; without: [" + bare.join(" ") +
	    "]");
	check(errors.length === 0, "no page errors (" + errors.join("; ") +
	    ")");
	await ctx.close();

	await unauthorizedPage(browser, base + "/", "?token=", errors);
	await unauthorizedPage(browser, base + "/?token=wrong-" + job.token,
	    "--api-token", errors);
	check(errors.length === 0, "no page errors (" + errors.join("; ") +
	    ")");
}

async function main() {
	const browser = await chromium.launch({
		executablePath: job.chromium,
		headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-quic", "--no-first-run",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"]
	});

	try {
		await run(browser);
	} finally {
		await browser.close();
	}
}

main().then(() => {
	console.log(JSON.stringify({ ok: true, steps: steps }));
}, (e) => {
	console.log(JSON.stringify({ ok: false, error: String(e.stack || e),
	    steps: steps }));
	process.exitCode = 1;
});
