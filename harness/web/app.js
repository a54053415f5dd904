/*
 * mailrig web inbox: the message list (live from /api/v1/events, polling
 * when the stream is down), one message with its views, the session that
 * delivered it with its transcript and findings, and the run's findings.
 *
 * Mail is hostile input: every text from the API goes into the page with
 * textContent, never as markup.  A mail's HTML is shown only inside an
 * iframe with sandbox="" (no scripts, an opaque origin) whose document
 * starts with a Content-Security-Policy that allows data: images and
 * inline styles only, so nothing in it can run or reach the net.
 *
 * With `mailrig serve --api-token T` the page is opened as /?token=T: the
 * token is kept in sessionStorage (for reloads and new hashes), taken out
 * of the address bar, and sent on every API call as a bearer token (RFC
 * 6750 2.1), or as access_token= (2.3) where no header can be set: the
 * EventSource and download links.  A 401 stops all traffic and says so.
 */
(function () {
	"use strict";

	var API = "/api/v1";
	var LIST_LIMIT = 200;
	var POLL_MS = 2000;
	var SSE_RETRY_MS = 10000;
	var RAW_SHOW_MAX = 2 * 1024 * 1024;
	var CID_INLINE_MAX = 4 * 1024 * 1024;
	var FRAME_CSP = "default-src 'none'; img-src data: cid:; " +
	    "style-src 'unsafe-inline'";
	var TABS = [
		{ id: "html", label: "HTML" },
		{ id: "text", label: "Text" },
		{ id: "headers", label: "Headers" },
		{ id: "raw", label: "Raw" },
		{ id: "attachments", label: "Attachments" },
		{ id: "session", label: "Session" }
	];
	var FAULT_RE = /rule|fault|delay|throttle|disconnect|chaos|drop|limit/i;
	var TOKEN_KEY = "mailrig.token";

	var state = {
		messages: [],		/* the list as last loaded */
		total: 0,
		unread: 0,
		sel: -1,		/* selected row in the current view */
		open: null,		/* the message shown, as the API sent it */
		tab: "html",
		view: "inbox",
		query: "",
		rows: [],		/* rows j/k move over outside the inbox */
		es: null,
		pollTimer: 0,
		refreshTimer: 0,
		findingsCount: null,
		selId: null,
		fresh: {},
		sessTimer: 0,
		loadSeq: 0,
		openSeq: 0,
		token: "",
		unauthorized: false
	};

	function $(id) {
		return document.getElementById(id);
	}

	/* Element builder: attributes, then children (strings are text). */
	function el(tag, attrs) {
		var e = document.createElement(tag), k, i;

		if (attrs)
			for (k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k) ||
				    attrs[k] === null || attrs[k] === undefined)
					continue;
				if (k === "class")
					e.className = attrs[k];
				else if (k === "text")
					e.textContent = attrs[k];
				else
					e.setAttribute(k, attrs[k]);
			}
		for (i = 2; i < arguments.length; i++)
			append(e, arguments[i]);
		return e;
	}

	function append(e, c) {
		if (c === null || c === undefined)
			return;
		if (Array.isArray(c))
			c.forEach(function (x) {
				append(e, x);
			});
		else
			e.appendChild(typeof c === "object" ? c :
			    document.createTextNode(String(c)));
	}

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
		return node;
	}

	/*
	 * The token from ?token= (then dropped from the address bar, so it
	 * is not left in history or screenshots), else the one this tab
	 * kept.  sessionStorage can be off (private modes): then the token
	 * lasts until the page is reloaded.
	 */
	function loadToken() {
		var q = new URLSearchParams(window.location.search);
		var t = q.get("token");

		if (t !== null) {
			try {
				window.sessionStorage.setItem(TOKEN_KEY, t);
			} catch (e) {
				/* Kept in state only. */
			}
			q.delete("token");
			q = q.toString();
			window.history.replaceState(null, "",
			    window.location.pathname + (q ? "?" + q : "") +
			    window.location.hash);
			return t;
		}
		try {
			return window.sessionStorage.getItem(TOKEN_KEY) || "";
		} catch (e) {
			return "";
		}
	}

	function authHeaders(h) {
		h = h || {};
		if (state.token)
			h.Authorization = "Bearer " + state.token;
		return h;
	}

	/* For URLs the browser fetches by itself (links, EventSource). */
	function withToken(url) {
		if (!state.token)
			return url;
		return url + (url.indexOf("?") >= 0 ? "&" : "?") +
		    "access_token=" + encodeURIComponent(state.token);
	}

	/* Every API call goes through here: a 401 stops the page. */
	function apiFetch(path, opts) {
		opts = opts || {};
		opts.headers = authHeaders(opts.headers);
		opts.cache = "no-store";
		opts.credentials = "same-origin";
		return fetch(path, opts).then(function (r) {
			if (r.status === 401) {
				unauthorized();
				throw new Error("unauthorized: " + (state.token ?
				    "the API token is wrong" :
				    "this server needs an API token"));
			}
			if (!r.ok)
				throw new Error(path + ": HTTP " + r.status);
			return r;
		});
	}

	function api(path) {
		return apiFetch(API + path, {
			headers: { Accept: "application/json" }
		}).then(function (r) {
			return r.json();
		});
	}

	function apiText(path) {
		return apiFetch(API + path).then(function (r) {
			return r.text();
		});
	}

	/*
	 * Polling or retrying the event stream would only repeat the 401, so
	 * both stop, and the page says what to do instead of spinning.
	 */
	function unauthorized() {
		var info = $("list-info");

		if (state.unauthorized)
			return;
		state.unauthorized = true;
		stopPolling();
		clearTimeout(state.refreshTimer);
		if (state.es) {
			state.es.close();
			state.es = null;
		}
		setLive("unauthorized");
		clear(info).className = "list-info error";
		info.setAttribute("role", "alert");
		append(info, el("strong", null, "Unauthorized."));
		if (state.token)
			append(info, " The API token this page was given is " +
			    "not the one mailrig was started with " +
			    "(--api-token).");
		else
			append(info, [" mailrig was started with --api-token; "
			    + "open this page as ", el("code", null,
			    window.location.pathname + "?token=TOKEN"), "."]);
		$("list-empty").hidden = true;
	}

	/* A list the API returned bare or wrapped as {key: [...]}. */
	function listOf(j, key) {
		if (Array.isArray(j))
			return j;
		if (j && Array.isArray(j[key]))
			return j[key];
		return [];
	}

	/* A count the API sent as a number or as the list itself. */
	function countOf(v) {
		if (typeof v === "number")
			return v;
		return Array.isArray(v) ? v.length : 0;
	}

	function fmtSize(n) {
		if (typeof n !== "number" || !isFinite(n))
			return "";
		if (n < 1024)
			return n + " B";
		if (n < 1024 * 1024)
			return (n / 1024).toFixed(1) + " kB";
		return (n / 1024 / 1024).toFixed(1) + " MB";
	}

	function pad(n, w) {
		var s = String(n);
		while (s.length < w)
			s = "0" + s;
		return s;
	}

	function fmtTime(iso, full) {
		var d = new Date(iso), now = new Date();

		if (!iso || isNaN(d.getTime()))
			return iso ? String(iso) : "";
		var hm = pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) +
		    ":" + pad(d.getSeconds(), 2);
		var day = d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) +
		    "-" + pad(d.getDate(), 2);
		if (full || d.toDateString() !== now.toDateString())
			return day + " " + hm;
		return hm;
	}

	function fmtMs(ms) {
		if (typeof ms !== "number")
			return "";
		if (ms < 1000)
			return "+" + ms + " ms";
		return "+" + (ms / 1000).toFixed(3) + " s";
	}

	function addr(a) {
		if (!a)
			return "";
		if (a.Name && a.Address)
			return a.Name + " <" + a.Address + ">";
		return a.Address || a.Name || "";
	}

	function addrs(list) {
		return (list || []).map(addr).filter(Boolean).join(", ");
	}

	function levelClass(level) {
		var l = String(level || "").toUpperCase();

		if (l === "MUST" || l === "MUST NOT" || l === "SECURITY")
			return "lv-must";
		if (l === "SHOULD" || l === "SHOULD NOT")
			return "lv-should";
		return "lv-may";
	}

	function rfcRef(f) {
		var s = "";

		if (f.rfc)
			s = "RFC " + f.rfc;
		if (f.section)
			s += (s ? " " : "section ") + f.section;
		return s;
	}

	/* ------------------------------------------------------------ */
	/* Live updates: server-sent events, polling while they are down. */

	function setLive(mode) {
		var e = $("live");
		var titles = {
			live: "Live: the server pushes new mail",
			polling: "The event stream is down; polling every " +
			    POLL_MS / 1000 + " s",
			offline: "mailrig does not answer",
			unauthorized: "The API refused this page's token"
		};
		e.textContent = mode;
		e.className = "live " + mode;
		e.title = titles[mode] || mode;
		document.body.setAttribute("data-live", mode);
	}

	function startPolling() {
		if (state.pollTimer || state.unauthorized)
			return;
		state.pollTimer = setInterval(function () {
			refreshAll();
		}, POLL_MS);
	}

	function stopPolling() {
		if (state.pollTimer)
			clearInterval(state.pollTimer);
		state.pollTimer = 0;
	}

	function startEvents() {
		var es;

		if (state.unauthorized)
			return;
		if (typeof EventSource === "undefined") {
			setLive("polling");
			startPolling();
			return;
		}
		es = new EventSource(withToken(API + "/events"));
		state.es = es;
		es.addEventListener("open", function () {
			setLive("live");
			stopPolling();
			/* Whatever came while we were away. */
			refreshAll();
		});
		es.addEventListener("message", function (ev) {
			onMessageEvent(ev);
		});
		es.addEventListener("session", function () {
			onSessionEvent();
		});
		es.addEventListener("finding", function () {
			onSessionEvent();
		});
		es.addEventListener("error", function () {
			if (state.es !== es || state.unauthorized)
				return;
			setLive("polling");
			startPolling();
			if (es.readyState === EventSource.CLOSED) {
				state.es = null;
				setTimeout(startEvents, SSE_RETRY_MS);
			}
		});
	}

	function onMessageEvent(ev) {
		var id = null;

		try {
			id = JSON.parse(ev.data).ID;
		} catch (e) {
			/* The list reload below is all we need. */
		}
		scheduleRefresh(id);
	}

	function onSessionEvent() {
		clearTimeout(state.sessTimer);
		state.sessTimer = setTimeout(function () {
			loadFindingsCount();
			if (state.view === "findings")
				showFindings();
			else if (state.view === "sessions")
				showSessions();
			else if (state.view === "inbox" && state.open &&
			    state.tab === "session")
				renderTab();
		}, 150);
	}

	function scheduleRefresh(newId) {
		if (newId !== null && newId !== undefined)
			state.fresh[String(newId)] = true;
		clearTimeout(state.refreshTimer);
		state.refreshTimer = setTimeout(loadList, 100);
	}

	function refreshAll() {
		loadList();
		loadFindingsCount();
	}

	/* ------------------------------------------------------------ */
	/* The message list. */

	function loadList() {
		var seq = ++state.loadSeq, path;

		if (state.query)
			path = "/search?query=" +
			    encodeURIComponent(state.query) + "&limit=" +
			    LIST_LIMIT;
		else
			path = "/messages?limit=" + LIST_LIMIT;
		return api(path).then(function (j) {
			if (seq !== state.loadSeq)
				return;
			if (document.body.getAttribute("data-live") ===
			    "offline")
				setLive(state.es && state.es.readyState === 1 ?
				    "live" : "polling");
			state.messages = listOf(j, "messages");
			state.total = typeof j.messages_count === "number" ?
			    j.messages_count : (j.total || 0);
			state.unread = j.unread || j.messages_unread || 0;
			renderList();
		}).catch(function (err) {
			if (seq !== state.loadSeq || state.unauthorized)
				return;
			setLive("offline");
			$("list-info").textContent = String(err.message || err);
		});
	}

	function renderList() {
		var ul = clear($("list")), i, m, li, openId, keep = -1;
		var prevId = state.selId;

		openId = state.open ? String(state.open.ID) : null;
		for (i = 0; i < state.messages.length; i++) {
			m = state.messages[i];
			li = listRow(m, i);
			if (String(m.ID) === prevId)
				keep = i;
			if (String(m.ID) === openId)
				li.classList.add("open");
			ul.appendChild(li);
		}
		state.fresh = {};
		$("list-empty").hidden = state.messages.length > 0;
		$("count").textContent = state.unread ?
		    String(state.unread) : "";
		$("count").title = state.unread + " unread";
		var info = state.query ?
		    state.messages.length + " found" :
		    state.total + (state.total === 1 ? " message" : " messages");
		if (state.unread)
			info += ", " + state.unread + " unread";
		if (state.total > state.messages.length && !state.query)
			info += " (newest " + state.messages.length + " shown)";
		$("list-info").textContent = info;
		if (keep < 0 && state.messages.length)
			keep = Math.min(Math.max(state.sel, 0),
			    state.messages.length - 1);
		select(keep, false);
	}

	function listRow(m, i) {
		var att = m.Attachments ? el("span", { class: "tag att",
		    title: m.Attachments + " attachment" +
		    (m.Attachments > 1 ? "s" : ""),
		    text: m.Attachments + (m.Attachments > 1 ? " files" :
		    " file") }) : null;
		var li = el("li", {
			class: "row" + (m.Read ? "" : " unread") +
			    (state.fresh[String(m.ID)] ? " fresh" : ""),
			role: "option",
			"data-id": String(m.ID),
			"data-index": String(i),
			"aria-selected": "false"
		},
		    el("span", { class: "from", text: addr(m.From) ||
			"(no sender)" }),
		    el("span", { class: "time", text: fmtTime(m.Created),
			title: fmtTime(m.Created, true) }),
		    el("span", { class: "subject" },
			m.Subject || "(no subject)", att),
		    el("span", { class: "snippet", text: m.Snippet || "" }));
		li.addEventListener("click", function () {
			select(i, false);
			go("#/m/" + encodeURIComponent(m.ID));
		});
		return li;
	}

	function rowsOfView() {
		if (state.view === "inbox")
			return Array.prototype.slice.call(
			    $("list").querySelectorAll(".row"));
		return state.rows;
	}

	function select(i, scroll) {
		var rows = rowsOfView(), r;

		rows.forEach(function (row) {
			row.classList.remove("sel");
			row.setAttribute("aria-selected", "false");
		});
		if (i < 0 || i >= rows.length) {
			state.sel = -1;
			state.selId = null;
			return;
		}
		state.sel = i;
		r = rows[i];
		r.classList.add("sel");
		r.setAttribute("aria-selected", "true");
		state.selId = r.getAttribute("data-id");
		if (scroll !== false)
			r.scrollIntoView({ block: "nearest" });
	}

	function move(delta) {
		var rows = rowsOfView(), i;

		if (!rows.length)
			return;
		i = state.sel < 0 ? 0 : state.sel + delta;
		i = Math.max(0, Math.min(rows.length - 1, i));
		select(i, true);
		/* Reading along: j/k follow with the open message. */
		if (state.view === "inbox" && state.open)
			activate();
	}

	function activate() {
		var rows = rowsOfView(), r;

		if (state.sel < 0 || state.sel >= rows.length)
			return;
		r = rows[state.sel];
		if (state.view === "inbox")
			go("#/m/" + encodeURIComponent(r.getAttribute("data-id")) +
			    (state.open ? "/" + state.tab : ""));
		else if (r.getAttribute("data-href"))
			go(r.getAttribute("data-href"));
	}

	/* ------------------------------------------------------------ */
	/* One message. */

	function openMessage(id, tab) {
		var seq = ++state.openSeq;

		if (state.open && String(state.open.ID) === id) {
			setTab(tab || state.tab);
			return;
		}
		$("msg-none").hidden = true;
		$("msg").hidden = false;
		$("msg-subject").textContent = "Loading\u2026";
		clear($("msg-meta"));
		clear($("tab-body"));
		api("/message/" + encodeURIComponent(id)).then(function (m) {
			if (seq !== state.openSeq)
				return;
			state.open = m;
			markRead(id);
			renderMessage(m, tab);
		}).catch(function (err) {
			if (seq !== state.openSeq)
				return;
			state.open = null;
			$("msg-subject").textContent = "Message " + id +
			    " is gone";
			$("tab-body").appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	function markRead(id) {
		var li = $("list").querySelector(".row[data-id=\"" +
		    CSS.escape(id) + "\"]");

		$("list").querySelectorAll(".row.open").forEach(function (r) {
			r.classList.remove("open");
		});
		if (!li)
			return;
		li.classList.add("open");
		if (li.classList.contains("unread")) {
			li.classList.remove("unread");
			state.unread = Math.max(0, state.unread - 1);
			$("count").textContent = state.unread ?
			    String(state.unread) : "";
		}
		select(Number(li.getAttribute("data-index")), true);
	}

	function closeMessage() {
		state.open = null;
		state.openSeq++;
		$("msg").hidden = true;
		$("msg-none").hidden = false;
		$("list").querySelectorAll(".row.open").forEach(function (r) {
			r.classList.remove("open");
		});
	}

	function renderMessage(m, tab) {
		var meta = clear($("msg-meta"));

		function row(k, v) {
			if (!v)
				return;
			meta.appendChild(el("dt", { text: k }));
			meta.appendChild(el("dd", { text: v }));
		}
		$("msg-subject").textContent = m.Subject || "(no subject)";
		row("From", addr(m.From));
		row("To", addrs(m.To));
		row("Cc", addrs(m.Cc));
		row("Bcc", addrs(m.Bcc));
		row("Reply-To", addrs(m.ReplyTo));
		row("Date", fmtTime(m.Date || m.Created, true));
		row("Size", fmtSize(m.Size));
		if (!tab)
			tab = m.HTML ? "html" : "text";
		renderTabs();
		setTab(tab);
	}

	function partsOf(m) {
		return (m.Attachments || []).concat(m.Inline || []);
	}

	function renderTabs() {
		var bar = clear($("tabs")), m = state.open;

		TABS.forEach(function (t, i) {
			var label = t.label, b;

			if (t.id === "attachments")
				label += " (" + partsOf(m).length + ")";
			b = el("button", {
				type: "button",
				role: "tab",
				id: "tab-" + t.id,
				"data-tab": t.id,
				title: label + " (" + (i + 1) + ")",
				"aria-selected": "false"
			}, label);
			if (t.id === "html" && !m.HTML)
				b.classList.add("dim");
			b.addEventListener("click", function () {
				go("#/m/" + encodeURIComponent(m.ID) + "/" + t.id);
			});
			bar.appendChild(b);
		});
	}

	function setTab(tab) {
		var known = TABS.some(function (t) {
			return t.id === tab;
		});

		state.tab = known ? tab : "text";
		$("tabs").querySelectorAll("button").forEach(function (b) {
			var on = b.getAttribute("data-tab") === state.tab;

			b.setAttribute("aria-selected", on ? "true" : "false");
			b.classList.toggle("on", on);
		});
		renderTab();
	}

	function stepTab(delta) {
		var i = TABS.findIndex(function (t) {
			return t.id === state.tab;
		});

		i = (i + delta + TABS.length) % TABS.length;
		go("#/m/" + encodeURIComponent(state.open.ID) + "/" +
		    TABS[i].id);
	}

	function renderTab() {
		var body = clear($("tab-body")), m = state.open;

		if (!m)
			return;
		body.setAttribute("data-tab", state.tab);
		switch (state.tab) {
		case "html":
			renderHtml(body, m);
			break;
		case "text":
			body.appendChild(m.Text ?
			    el("pre", { class: "text", text: m.Text }) :
			    el("p", { class: "empty",
				text: "This message has no plain-text part." }));
			break;
		case "headers":
			renderHeaders(body, m);
			break;
		case "raw":
			renderRaw(body, m);
			break;
		case "attachments":
			renderParts(body, m);
			break;
		case "session":
			renderMessageSession(body, m);
			break;
		}
	}

	function remoteRefs(html) {
		var re = /\b(?:src|background|href|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//gi;
		var n = 0;

		while (re.exec(html) !== null)
			n++;
		n += (html.match(/url\(\s*["']?\s*(?:https?:)?\/\//gi) ||
		    []).length;
		return n;
	}

	/*
	 * The frame's document starts with its own policy, before any byte
	 * of the mail, so it governs everything the mail brings along.  A
	 * <base target> sends link clicks to a new window, which sandbox=""
	 * refuses: links in a preview do nothing.
	 */
	function frameDoc(html) {
		return "<!doctype html><meta charset=\"utf-8\">" +
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"" +
		    FRAME_CSP + "\"><meta name=\"referrer\" " +
		    "content=\"no-referrer\"><base target=\"_blank\">" +
		    "<style>html{color-scheme:light;background:#fff;" +
		    "color:#111}</style>" + html;
	}

	function renderHtml(body, m) {
		var frame, n;

		if (!m.HTML) {
			body.appendChild(el("p", { class: "empty",
			    text: "This message has no HTML part." }));
			return;
		}
		n = remoteRefs(m.HTML);
		body.appendChild(el("p", { class: "note" },
		    "Scripts and remote content are blocked" +
		    (n ? " (" + n + " remote reference" + (n > 1 ? "s" : "") +
		    " not loaded)" : "") + "; links are disabled here."));
		frame = el("iframe", {
			class: "html-frame",
			sandbox: "",
			referrerpolicy: "no-referrer",
			title: "HTML view of the message"
		});
		body.appendChild(frame);
		inlineCids(m, m.HTML).then(function (html) {
			if (state.open === m && state.tab === "html")
				frame.srcdoc = frameDoc(html);
		});
	}

	/*
	 * cid: references (RFC 2392) would load nothing in the frame; turn
	 * those that name an inline part into data: URLs fetched from our
	 * own API.
	 */
	function inlineCids(m, html) {
		var jobs = partsOf(m).filter(function (p) {
			return p.ContentID && p.Size <= CID_INLINE_MAX &&
			    html.indexOf("cid:" + p.ContentID) >= 0;
		}).map(function (p) {
			return apiFetch(partUrl(m, p)).then(function (r) {
				return r.blob();
			}, function () {
				return null;
			}).then(function (b) {
				if (!b)
					return null;
				return new Promise(function (res) {
					var fr = new FileReader();

					fr.onload = function () {
						res([p.ContentID, fr.result]);
					};
					fr.onerror = function () {
						res(null);
					};
					fr.readAsDataURL(b);
				});
			}).catch(function () {
				return null;
			});
		});
		return Promise.all(jobs).then(function (pairs) {
			pairs.forEach(function (pr) {
				if (pr)
					html = html.split("cid:" + pr[0])
					    .join(pr[1]);
			});
			return html;
		});
	}

	function renderHeaders(body, m) {
		var tbl = el("table", { class: "headers" });

		body.appendChild(tbl);
		api("/message/" + encodeURIComponent(m.ID) + "/headers")
		    .then(function (h) {
			Object.keys(h).forEach(function (k) {
				var vals = Array.isArray(h[k]) ? h[k] : [h[k]];

				vals.forEach(function (v) {
					tbl.appendChild(el("tr", null,
					    el("th", { text: k }),
					    el("td", { text: String(v) })));
				});
			});
		}).catch(function (err) {
			body.appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	function renderRaw(body, m) {
		var url = API + "/message/" + encodeURIComponent(m.ID) + "/raw";

		body.appendChild(el("p", { class: "note" },
		    el("a", { href: withToken(url),
			download: "message-" + m.ID + ".eml" },
			"Download .eml"), " \u00b7 " + fmtSize(m.Size)));
		apiText("/message/" + encodeURIComponent(m.ID) + "/raw")
		    .then(function (t) {
			var cut = t.length > RAW_SHOW_MAX;

			body.appendChild(el("pre", { class: "raw",
			    text: cut ? t.slice(0, RAW_SHOW_MAX) : t }));
			if (cut)
				body.appendChild(el("p", { class: "note",
				    text: "Shown up to " +
				    fmtSize(RAW_SHOW_MAX) + "; download " +
				    "for the rest." }));
		}).catch(function (err) {
			body.appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	function partUrl(m, p) {
		return API + "/message/" + encodeURIComponent(m.ID) + "/part/" +
		    encodeURIComponent(p.PartID);
	}

	function renderParts(body, m) {
		var parts = partsOf(m), ul;

		if (!parts.length) {
			body.appendChild(el("p", { class: "empty",
			    text: "No attachments." }));
			return;
		}
		ul = el("ul", { class: "parts" });
		parts.forEach(function (p) {
			var inline = (m.Inline || []).indexOf(p) >= 0;

			ul.appendChild(el("li", null,
			    el("a", { href: withToken(partUrl(m, p)),
				download: p.FileName || ("part-" + p.PartID) },
				p.FileName || "(unnamed part " + p.PartID + ")"),
			    el("span", { class: "ptype",
				text: p.ContentType || "" }),
			    el("span", { class: "psize",
				text: fmtSize(p.Size) }),
			    inline ? el("span", { class: "tag",
				text: "inline" }) : null));
		});
		body.appendChild(ul);
	}

	/* ------------------------------------------------------------ */
	/* Sessions and transcripts. */

	function sessionIdOf(m) {
		var keys = ["SessionID", "Session", "session_id", "session"];
		var i, v;

		for (i = 0; i < keys.length; i++) {
			v = m[keys[i]];
			if (v !== undefined && v !== null && v !== "" &&
			    typeof v !== "object")
				return Promise.resolve(String(v));
			if (v && typeof v === "object" && v.id !== undefined)
				return Promise.resolve(String(v.id));
		}
		/* Otherwise: the session whose envelope names this message. */
		return api("/sessions?protocol=smtp").then(function (j) {
			var s = listOf(j, "sessions").find(function (x) {
				return (x.messages || []).some(function (mm) {
					return String(mm.id !== undefined ?
					    mm.id : mm) === String(m.ID);
				});
			});
			return s ? String(s.id) : null;
		});
	}

	function renderMessageSession(body, m) {
		body.appendChild(el("p", { class: "note",
		    text: "Loading the session\u2026" }));
		sessionIdOf(m).then(function (sid) {
			if (sid === null)
				throw new Error("No session recorded for this " +
				    "message.");
			return api("/sessions/" + encodeURIComponent(sid));
		}).then(function (s) {
			if (state.open !== m || state.tab !== "session")
				return;
			clear(body);
			renderSession(body, s, -1);
		}).catch(function (err) {
			if (state.open !== m || state.tab !== "session")
				return;
			clear(body);
			body.appendChild(el("p", { class: "empty",
			    text: String(err.message || err) }));
		});
	}

	function eventKind(ev) {
		var name = String(ev.event || "");

		if (/^tls/i.test(name) || /starttls/i.test(name))
			return "tls";
		if (name === "close")
			return "close";
		if (FAULT_RE.test(name))
			return "fault";
		return "event";
	}

	function renderSession(body, s, focus) {
		var findings = s.findings || [], at = {}, tbl, dl;
		var tr = s.transcript || [];

		findings.forEach(function (f) {
			var k = String(f.index);

			(at[k] = at[k] || []).push(f);
		});
		body.appendChild(el("h2", { class: "sess-title" },
		    "Session " + s.id + " ",
		    el("span", { class: "tag", text: s.protocol || "" })));
		dl = el("dl", { class: "meta" });
		[["Port", (s.port_name || "") + (s.port ? " " + s.port : "")],
		 ["Peer", s.peer],
		 ["Started", fmtTime(s.started, true)],
		 ["Duration", typeof s.duration_ms === "number" ?
		     s.duration_ms + " ms" : ""],
		 ["TLS", s.tls ? (s.tls_version || "yes") +
		     (s.tls_cipher ? " " + s.tls_cipher : "") : "no"],
		 ["Outcome", s.outcome || s.close_reason],
		 ["Messages", (s.messages || []).length ?
		     String((s.messages || []).length) : ""]
		].forEach(function (kv) {
			if (!kv[1])
				return;
			dl.appendChild(el("dt", { text: kv[0] }));
			dl.appendChild(el("dd", { text: kv[1] }));
		});
		body.appendChild(dl);
		if (findings.length)
			body.appendChild(findingSummary(findings));
		else
			body.appendChild(el("p", { class: "ok-note",
			    text: "No conformance findings in this session." }));
		tbl = el("table", { class: "transcript" },
		    el("thead", null, el("tr", null,
			el("th", { class: "ix", text: "#" }),
			el("th", { class: "t", text: "time" }),
			el("th", { class: "c", text: "client" }),
			el("th", { class: "s", text: "server" }))));
		var tb = el("tbody");
		tr.forEach(function (ev, i) {
			tb.appendChild(transcriptRow(ev, i, at[String(i)]));
			(at[String(i)] || []).forEach(function (f) {
				tb.appendChild(findingRow(f));
			});
		});
		/* Findings that point past the transcript (session scope). */
		Object.keys(at).forEach(function (k) {
			if (Number(k) >= tr.length || Number(k) < 0)
				at[k].forEach(function (f) {
					tb.appendChild(findingRow(f));
				});
		});
		tbl.appendChild(tb);
		if (s.overflow)
			body.appendChild(el("p", { class: "note",
			    text: "The capture hit its limit; the transcript " +
			    "is cut short." }));
		body.appendChild(el("div", { class: "transcript-wrap" }, tbl));
		if (focus >= 0)
			setTimeout(function () {
				var r = body.querySelector("#ev-" + focus);

				if (r) {
					r.scrollIntoView({ block: "center" });
					r.classList.add("focus");
				}
			}, 0);
	}

	function findingSummary(findings) {
		var ul = el("ul", { class: "fsum" });

		findings.forEach(function (f) {
			var a = el("a", { href: "#ev-" + f.index },
			    el("span", { class: "lv " + levelClass(f.level),
				text: f.level || "" }),
			    " ", el("code", { text: f.rule || "" }), " ",
			    f.message || "",
			    el("span", { class: "rfc", text: rfcRef(f) }));
			a.addEventListener("click", function (e) {
				var r = document.getElementById("ev-" + f.index);

				e.preventDefault();
				if (r) {
					r.scrollIntoView({ block: "center" });
					document.querySelectorAll(
					    ".transcript tr.focus").forEach(
					    function (x) {
						x.classList.remove("focus");
					});
					r.classList.add("focus");
				}
			});
			ul.appendChild(el("li", null, a));
		});
		return el("div", { class: "findings-box" },
		    el("h3", { text: findings.length + " finding" +
			(findings.length > 1 ? "s" : "") }), ul);
	}

	function transcriptRow(ev, i, fs) {
		var cls = "ev", tr, text, cell, kind;

		tr = el("tr", { id: "ev-" + i, "data-index": String(i) },
		    el("td", { class: "ix", text: String(i) }),
		    el("td", { class: "t", text: fmtMs(ev.t_ms) }));
		if (ev.event !== undefined) {
			kind = eventKind(ev);
			cls += " event " + kind;
			tr.appendChild(el("td", { class: "evt", colspan: "2" },
			    el("span", { class: "ename", text: ev.event }),
			    ev.detail ? " " + ev.detail : ""));
		} else {
			if (ev.data !== undefined) {
				text = "[message data: " + fmtSize(ev.data) +
				    (ev.lines !== undefined ? ", " + ev.lines +
				    " lines" : "") + (ev.truncated ?
				    ", truncated" : "") + "]";
				cls += " data";
			} else {
				text = ev.line === undefined ? "" : ev.line;
			}
			cell = el("td", { class: "line" },
			    el("span", { class: "txt", text: text }));
			if (ev.secret)
				cell.appendChild(el("span", { class: "tag",
				    text: "secret" }));
			(ev.flags || []).forEach(function (fl) {
				cell.appendChild(el("span", { class: "tag flag",
				    text: fl }));
			});
			if (fs && fs.length)
				cell.classList.add("hit");
			if (ev.dir === "c") {
				cls += " c";
				tr.appendChild(cell);
				tr.appendChild(el("td", { class: "line" }));
			} else {
				cls += " s";
				tr.appendChild(el("td", { class: "line" }));
				tr.appendChild(cell);
			}
		}
		if (fs && fs.length)
			cls += " has-finding " + levelClass(fs[0].level);
		tr.className = cls;
		return tr;
	}

	function findingRow(f) {
		return el("tr", { class: "finding " + levelClass(f.level) },
		    el("td", { class: "ix" }), el("td", { class: "t" }),
		    el("td", { colspan: "2" },
			el("span", { class: "lv " + levelClass(f.level),
			    text: f.level || "" }), " ",
			el("strong", { text: f.message || "" }), " ",
			el("span", { class: "rfc", text: rfcRef(f) }), " ",
			el("code", { text: f.rule || "" }),
			f.hint ? el("div", { class: "hint",
			    text: "Hint: " + f.hint }) : null,
			f.count > 1 ? el("div", { class: "hint",
			    text: "Seen " + f.count + " times." }) : null));
	}

	function showSession(id, focus) {
		var body = clear($("session-body"));

		state.rows = [];
		body.appendChild(el("p", null,
		    el("a", { href: "#/sessions" }, "\u2190 All sessions")));
		api("/sessions/" + encodeURIComponent(id)).then(function (s) {
			renderSession(body, s, focus);
		}).catch(function (err) {
			body.appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	function clickableRow(tr, href) {
		tr.setAttribute("data-href", href);
		tr.classList.add("link");
		tr.addEventListener("click", function (e) {
			if (e.target.tagName !== "A")
				go(href);
		});
		return tr;
	}

	function showSessions() {
		var body = $("sessions-body");

		api("/sessions").then(function (j) {
			var list = listOf(j, "sessions"), tb, tbl;

			clear(body);
			if (!list.length) {
				body.appendChild(el("p", { class: "empty",
				    text: "No sessions yet." }));
				state.rows = [];
				return;
			}
			tb = el("tbody");
			list.forEach(function (s) {
				var nf = countOf(s.findings);
				var nm = countOf(s.messages);

				tb.appendChild(clickableRow(el("tr", null,
				    el("td", null, el("a", {
					href: "#/s/" + s.id }, String(s.id))),
				    el("td", { text: s.protocol || "" }),
				    el("td", { text: (s.port_name || "") }),
				    el("td", { text: s.peer || "" }),
				    el("td", { text: fmtTime(s.started) }),
				    el("td", { class: "num",
					text: s.duration_ms !== undefined ?
					s.duration_ms + " ms" : "" }),
				    el("td", { text: s.tls ?
					(s.tls_version || "yes") : "" }),
				    el("td", { text: s.outcome ||
					s.close_reason || (s.open ?
					"(open)" : "") }),
				    el("td", { class: "num",
					text: String(nm) }),
				    el("td", { class: "num" }, nf ?
					el("span", { class: "lv lv-must",
					text: String(nf) }) : "0")),
				    "#/s/" + s.id));
			});
			tbl = el("table", { class: "grid" },
			    el("thead", null, el("tr", null,
				["id", "protocol", "port", "peer", "started",
				 "duration", "TLS", "outcome", "messages",
				 "findings"].map(function (h) {
					return el("th", { text: h });
				}))), tb);
			body.appendChild(tbl);
			state.rows = Array.prototype.slice.call(
			    tb.querySelectorAll("tr"));
			select(Math.min(Math.max(state.sel, 0),
			    state.rows.length - 1), false);
		}).catch(function (err) {
			clear(body).appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	/* ------------------------------------------------------------ */
	/* Findings of the whole run. */

	function loadFindingsCount() {
		api("/findings").then(function (j) {
			var n = listOf(j, "findings").length;

			state.findingsCount = n;
			$("fcount").textContent = n ? String(n) : "";
		}).catch(function () {
			$("fcount").textContent = "";
		});
	}

	function showFindings() {
		var body = $("findings-body");

		api("/findings").then(function (j) {
			var list = listOf(j, "findings"), by = {}, tb, sum;

			clear(body);
			$("fcount").textContent = list.length ?
			    String(list.length) : "";
			if (!list.length) {
				body.appendChild(el("p", { class: "ok-note",
				    text: "No conformance findings so far." }));
				state.rows = [];
				return;
			}
			list.forEach(function (f) {
				var l = f.level || "?";

				by[l] = (by[l] || 0) + 1;
			});
			sum = el("p", { class: "fcounts" });
			Object.keys(by).forEach(function (l) {
				sum.appendChild(el("span", {
				    class: "lv " + levelClass(l),
				    text: l + " \u00d7 " + by[l] }));
				sum.appendChild(document.createTextNode(" "));
			});
			body.appendChild(sum);
			tb = el("tbody");
			list.forEach(function (f) {
				var href = "#/s/" + f.session + "/" + f.index;

				tb.appendChild(clickableRow(el("tr", {
				    class: levelClass(f.level) },
				    el("td", null, el("span", {
					class: "lv " + levelClass(f.level),
					text: f.level || "" })),
				    el("td", null, el("code", {
					text: f.rule || "" })),
				    el("td", { class: "rfc",
					text: rfcRef(f) }),
				    el("td", { text: f.protocol || "" }),
				    el("td", null, el("a", { href: href },
					"session " + f.session + " #" +
					f.index)),
				    el("td", null,
					el("div", { text: f.message || "" }),
					f.hint ? el("div", { class: "hint",
					    text: f.hint }) : null,
					f.excerpt ? el("code", {
					    class: "excerpt",
					    text: f.excerpt }) : null)),
				    href));
			});
			body.appendChild(el("table", { class: "grid findings" },
			    el("thead", null, el("tr", null,
				["level", "rule", "reference", "protocol",
				 "evidence", "what happened"].map(
				    function (h) {
					return el("th", { text: h });
				}))), tb));
			state.rows = Array.prototype.slice.call(
			    tb.querySelectorAll("tr"));
			select(Math.min(Math.max(state.sel, 0),
			    state.rows.length - 1), false);
		}).catch(function (err) {
			clear(body).appendChild(el("p", { class: "error",
			    text: String(err.message || err) }));
		});
	}

	/* ------------------------------------------------------------ */
	/* Routes: #/, #/m/ID[/tab], #/sessions, #/s/ID[/index], #/findings */

	function go(hash) {
		if (location.hash === hash)
			route();
		else
			location.hash = hash;
	}

	function showView(name) {
		var changed = state.view !== name;

		state.view = name;
		["inbox", "sessions", "session", "findings"].forEach(
		    function (v) {
			$(v + "-view").hidden = v !== name;
		});
		document.querySelectorAll("nav a").forEach(function (a) {
			var n = a.getAttribute("data-nav");

			a.classList.toggle("on", n === name ||
			    (n === "sessions" && name === "session"));
		});
		if (changed) {
			state.sel = -1;
			if (name === "inbox")
				renderList();
		}
	}

	function route() {
		var h = location.hash.replace(/^#\/?/, ""), p, id;

		p = h.split("/").map(function (x) {
			try {
				return decodeURIComponent(x);
			} catch (e) {
				return x;
			}
		});
		switch (p[0]) {
		case "m":
			showView("inbox");
			id = p[1] || "";
			if (id)
				openMessage(id, p[2]);
			break;
		case "sessions":
			showView("sessions");
			showSessions();
			break;
		case "s":
			showView("session");
			showSession(p[1] || "", p[2] !== undefined &&
			    p[2] !== "" ? Number(p[2]) : -1);
			break;
		case "findings":
			showView("findings");
			showFindings();
			break;
		default:
			showView("inbox");
			closeMessage();
			break;
		}
	}

	function back() {
		if (state.view === "inbox" && state.open) {
			go("#/");
			$("list").focus();
		} else if (state.view === "session") {
			history.length > 1 ? history.back() : go("#/sessions");
		} else if (state.view !== "inbox") {
			go("#/");
		}
	}

	/* ------------------------------------------------------------ */
	/* Keyboard. */

	function onKey(e) {
		var t = e.target, inField, k = e.key, n;

		if (e.ctrlKey || e.metaKey || e.altKey)
			return;
		inField = t && (t.tagName === "INPUT" ||
		    t.tagName === "TEXTAREA" || t.isContentEditable);
		if ($("help").open) {
			if (k === "Escape" || k === "?") {
				e.preventDefault();
				$("help").close();
			}
			return;
		}
		if (inField) {
			if (k === "Escape") {
				e.preventDefault();
				t.blur();
				$("list").focus();
			} else if (k === "ArrowDown" && t.id === "search") {
				e.preventDefault();
				$("list").focus();
				select(0, true);
			}
			return;
		}
		switch (k) {
		case "j":
		case "ArrowDown":
			move(1);
			break;
		case "k":
		case "ArrowUp":
			move(-1);
			break;
		case "Enter":
			activate();
			break;
		case "/":
			$("search").focus();
			$("search").select();
			break;
		case "Escape":
			back();
			break;
		case "?":
			$("help").showModal();
			break;
		case "i":
			go("#/");
			break;
		case "s":
			go("#/sessions");
			break;
		case "f":
			go("#/findings");
			break;
		case "h":
		case "ArrowLeft":
		case "l":
		case "ArrowRight":
			if (!(state.view === "inbox" && state.open))
				return;
			stepTab(k === "h" || k === "ArrowLeft" ? -1 : 1);
			break;
		default:
			n = Number(k);
			if (k.length === 1 && n >= 1 && n <= TABS.length &&
			    state.view === "inbox" && state.open) {
				go("#/m/" + encodeURIComponent(state.open.ID) +
				    "/" + TABS[n - 1].id);
				break;
			}
			return;
		}
		e.preventDefault();
	}

	/* ------------------------------------------------------------ */

	function init() {
		var searchTimer = 0;

		state.fresh = {};
		state.token = loadToken();
		document.addEventListener("keydown", onKey);
		$("search").addEventListener("input", function () {
			clearTimeout(searchTimer);
			searchTimer = setTimeout(function () {
				state.query = $("search").value.trim();
				state.sel = -1;
				loadList();
			}, 250);
		});
		$("search-form").addEventListener("submit", function (e) {
			e.preventDefault();
			clearTimeout(searchTimer);
			state.query = $("search").value.trim();
			state.sel = 0;
			loadList().then(function () {
				$("list").focus();
			});
		});
		$("help-btn").addEventListener("click", function () {
			$("help").showModal();
		});
		$("help-close").addEventListener("click", function () {
			$("help").close();
		});
		window.addEventListener("hashchange", route);
		document.body.setAttribute("data-live", "connecting");
		route();
		loadList();
		loadFindingsCount();
		startEvents();
		$("list").focus();
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", init);
	else
		init();
}());
