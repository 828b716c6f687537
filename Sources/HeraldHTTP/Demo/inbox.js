// Herald demo inbox: one EventSource per page, counts taken from every event (never computed here),
// resume with Last-Event-ID after any disconnect, list kept in step with the stream.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const PAGE_SIZE = 20;
  const EVENTS = [
    "counts", "reset", "notification.created", "notification.read", "notification.unread",
    "notification.archived", "notification.unarchived", "notification.deleted", "notification.expired",
    "notifications.read_all", "notifications.seen",
  ];

  let session = null;        // {user, token, expires_at} from /demo/session
  let source = null;         // the EventSource
  let lastSeq = null;        // seq of the last event applied (resume point)
  let countsSeq = -1;        // seq of the counts on screen
  let nextCursor = null;
  let pending = null;        // list events buffered while a page loads
  let reconnectDelay = 1000;
  let reconnectTimer = null;
  const items = new Map();   // id -> notification

  // --- API ---------------------------------------------------------------------------------------
  async function loadSession() {
    const response = await fetch("/demo/session", { cache: "no-store" });
    if (!response.ok) throw new Error("demo session: HTTP " + response.status);
    session = await response.json();
    $("user").textContent = session.user;
  }

  function userPath(path) {
    return "/v1/users/" + encodeURIComponent(session.user) + path;
  }

  async function request(url, options = {}) {
    const send = () => fetch(url, {
      ...options,
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + session.token },
    });
    let response = await send();
    if (response.status === 401) {  // token expired: take a fresh one and try once more
      await loadSession();
      response = await send();
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ? body.error.message : "HTTP " + response.status);
    return body;
  }

  // --- Counts ------------------------------------------------------------------------------------
  function setCounts(counts) {
    if (typeof counts.seq === "number") {
      if (counts.seq < countsSeq) return;  // an older answer than what is shown
      countsSeq = counts.seq;
      $("seq").textContent = counts.seq;
    }
    const badge = $("badge");
    badge.textContent = String(counts.unread);
    badge.classList.toggle("zero", counts.unread === 0);
    $("unread").textContent = counts.unread;
    $("unseen").textContent = counts.unseen;
    document.title = (counts.unread > 0 ? "(" + counts.unread + ") " : "") + "Herald — demo inbox";
  }

  // --- List --------------------------------------------------------------------------------------
  function render() {
    const list = $("list");
    const sorted = [...items.values()].sort((a, b) =>
      a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : (a.created_at < b.created_at ? 1 : -1));
    list.replaceChildren(...sorted.map(renderItem));
    $("empty").hidden = sorted.length > 0;
    $("load-more").hidden = nextCursor === null;
  }

  function renderItem(n) {
    const li = document.createElement("li");
    li.className = "item" + (n.read_at ? "" : " unread");
    li.dataset.id = n.id;
    const text = document.createElement("div");
    text.className = "text";
    const title = document.createElement("div");
    title.className = "title";
    title.textContent = n.title || n.type;
    const body = document.createElement("div");
    body.className = "body";
    body.textContent = n.body || "";
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = n.type + " · " + new Date(n.created_at).toLocaleString();
    text.append(title, body, meta);
    const actions = document.createElement("div");
    actions.className = "actions";
    actions.append(
      button(n.read_at ? "Mark unread" : "Mark read", "read-toggle", () => change(n.id, n.read_at ? "unread" : "read")),
      button("Archive", "archive", () => change(n.id, "archive")));
    li.append(text, actions);
    return li;
  }

  function button(label, className, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = label;
    b.addEventListener("click", () => action().catch(showError));
    return b;
  }

  async function loadFirstPage() {
    pending = [];
    try {
      const page = await request(userPath("/notifications?limit=" + PAGE_SIZE));
      items.clear();
      for (const n of page.notifications) items.set(n.id, n);
      nextCursor = page.next_cursor;
      // Events that arrived while the page loaded: replay them in order on top of it.
      const replay = pending;
      pending = null;
      for (const event of replay) applyToList(event.type, event.data);
      render();
    } catch (error) {
      pending = null;
      showError(error);
    }
  }

  async function loadMore() {
    if (nextCursor === null) return;
    const page = await request(userPath("/notifications?limit=" + PAGE_SIZE + "&cursor=" + encodeURIComponent(nextCursor)));
    for (const n of page.notifications) if (!items.has(n.id)) items.set(n.id, n);
    nextCursor = page.next_cursor;
    render();
  }

  function applyToList(type, data) {
    switch (type) {
      case "notification.created":
        items.set(data.notification.id, data.notification);
        break;
      case "notification.read":
      case "notification.unread": {
        const n = items.get(data.id);
        if (n) items.set(data.id, { ...n, read_at: data.read_at, seen_at: n.seen_at || data.read_at });
        break;
      }
      case "notification.archived":
      case "notification.deleted":
      case "notification.expired":
        items.delete(data.id);
        break;
      case "notification.unarchived":
      case "notifications.read_all":
        return loadFirstPage();  // which ones changed is not in the event: take the page again
    }
    render();
  }

  // --- Actions -----------------------------------------------------------------------------------
  async function change(id, action) {
    const result = await request(userPath("/notifications/" + encodeURIComponent(id) + "/" + action), { method: "POST" });
    setCounts(result.counts);
    if (action === "archive") items.delete(id); else items.set(id, result.notification);
    render();
  }

  async function readAll() {
    const result = await request(userPath("/notifications/read-all"), { method: "POST", body: "{}" });
    setCounts(result.counts);
    await loadFirstPage();
  }

  async function deleteAll() {
    const result = await request(userPath("/notifications"), { method: "DELETE" });
    setCounts(result.counts);
    await loadFirstPage();
  }

  async function markSeen() {
    const result = await request(userPath("/seen"), { method: "POST" });
    setCounts(result.counts);
  }

  async function send(event) {
    event.preventDefault();
    const draft = { user: session.user, type: $("send-type").value, title: $("send-title").value };
    if ($("send-body").value) draft.body = $("send-body").value;
    $("send-status").textContent = "sending…";
    try {
      const result = await request("/demo/notifications", { method: "POST", body: JSON.stringify(draft) });
      setCounts(result.counts);
      $("send-status").textContent = "sent " + result.notification.id;
    } catch (error) {
      $("send-status").textContent = error.message;
    }
  }

  function showError(error) {
    $("send-status").textContent = error.message;
    console.error(error);
  }

  // --- Stream ------------------------------------------------------------------------------------
  function setState(state) {
    const element = $("state");
    element.dataset.state = state;
    element.textContent = state;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (source) source.close();
    let url = userPath("/stream") + "?access_token=" + encodeURIComponent(session.token);
    if (lastSeq !== null) url += "&last_event_id=" + lastSeq;  // the browser adds Last-Event-ID itself on retries
    setState("connecting");
    source = new EventSource(url);
    source.onopen = () => { setState("live"); reconnectDelay = 1000; };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {  // refused (token expired, server gone): retry ourselves
        setState("offline");
        reconnectTimer = setTimeout(() => loadSession().then(connect, () => { setState("offline"); retryLater(); }), reconnectDelay);
        reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      } else {
        setState("connecting");  // the browser is retrying with Last-Event-ID
      }
    };
    for (const name of EVENTS) source.addEventListener(name, onEvent);
  }

  function retryLater() {
    reconnectTimer = setTimeout(() => loadSession().then(connect, retryLater), reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 10000);
  }

  function onEvent(event) {
    const seq = Number(event.lastEventId);
    const data = JSON.parse(event.data);
    if (event.type !== "counts" && event.type !== "reset" && lastSeq !== null && seq <= lastSeq) return;
    lastSeq = seq;
    if (event.type === "reset") countsSeq = -1;  // history restarted: trust this snapshot
    setState("live");
    setCounts(data);
    if (event.type === "counts" || event.type === "reset") return void loadFirstPage();
    if (pending) pending.push({ type: event.type, data });
    else applyToList(event.type, data);
  }

  // --- Start -------------------------------------------------------------------------------------
  $("read-all").addEventListener("click", () => readAll().catch(showError));
  $("delete-all").addEventListener("click", () => deleteAll().catch(showError));
  $("bell").addEventListener("click", () => markSeen().catch(showError));
  $("load-more").addEventListener("click", () => loadMore().catch(showError));
  $("send-form").addEventListener("submit", send);
  loadSession().then(connect, (error) => { setState("offline"); showError(error); retryLater(); });
})();
