// The playground page: polls /api/state for server-rendered fragments and posts what the person does.
// No build step, no framework. The server escapes everything; this script only moves HTML it was given.
(function () {
  "use strict";
  const app = document.getElementById("app");
  const state = JSON.parse(app.dataset.initial);
  let version = -1;
  let modalKey = document.getElementById("modal-root").dataset.key || "";
  let busy = false;

  function query() {
    const params = new URLSearchParams({ user: state.user, channel: state.channel });
    if (state.thread) params.set("thread", state.thread);
    return params.toString();
  }

  async function refresh(force) {
    const asked = query();
    const response = await fetch("/api/state?" + asked, { cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    if (asked !== query()) return; // the person switched user, channel or thread meanwhile
    app.dataset.shown = asked;
    if (!force && data.version === version) return;
    version = data.version;
    swap("sidebar", data.sidebar);
    swap("channel-header", data.header);
    const channel = document.getElementById("channel");
    const atBottom = channel.scrollHeight - channel.scrollTop - channel.clientHeight < 40;
    swap("channel", data.channel);
    if (atBottom || force) channel.scrollTop = channel.scrollHeight;
    const thread = document.getElementById("thread");
    const draft = thread.querySelector("textarea");
    const draftText = draft ? draft.value : "";
    const threadWas = thread.dataset.ts || "";
    swap("thread", data.thread);
    thread.hidden = !data.thread;
    thread.dataset.ts = state.thread || "";
    // Like Slack, a thread opens (and follows new replies) at its latest reply.
    if (data.thread && (threadWas !== thread.dataset.ts || force)) thread.scrollTop = thread.scrollHeight;
    const newDraft = thread.querySelector("textarea");
    if (newDraft) newDraft.value = draftText;
    swap("stripe", data.stripe);
    const modalRoot = document.getElementById("modal-root");
    if (data.modal_key !== modalKey) {
      modalRoot.innerHTML = data.modal;
      modalRoot.dataset.key = data.modal_key;
      modalKey = data.modal_key;
      const controls = "input[data-action-id], select[data-action-id], textarea[data-action-id]";
      const first = modalRoot.querySelector(".has-error [data-action-id]") || modalRoot.querySelector(controls);
      if (first) first.focus();
    }
  }

  function swap(id, html) {
    const element = document.getElementById(id);
    if (element.innerHTML !== html) element.innerHTML = html;
  }

  async function post(path, body) {
    busy = true;
    document.body.classList.add("busy");
    try {
      const response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ user: state.user, channel: state.channel }, body)),
      });
      const answer = await response.json();
      if (answer.notice) notify(answer.notice, answer.ok);
    } catch (error) {
      notify("The playground did not answer: " + error, false);
    } finally {
      busy = false;
      document.body.classList.remove("busy");
      await refresh(true);
    }
  }

  function notify(text, ok) {
    const notice = document.getElementById("notice");
    notice.textContent = text;
    notice.className = ok ? "ok" : "problem";
    notice.hidden = false;
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => { notice.hidden = true; }, 8000);
  }

  function confirmThen(button, proceed) {
    const template = button.nextElementSibling;
    if (!template || !template.classList.contains("bk-confirm")) { proceed(); return; }
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.appendChild(template.content.cloneNode(true));
    document.body.appendChild(dialog);
    dialog.addEventListener("click", (event) => {
      const choice = event.target.closest("[data-dialog]");
      if (!choice) return;
      dialog.close();
      dialog.remove();
      if (choice.dataset.dialog === "confirm") proceed();
    });
    dialog.addEventListener("cancel", () => dialog.remove());
    dialog.showModal();
  }

  // What the modal's controls hold, by block_id and action_id; the server turns it into Slack's
  // view.state.values from the view itself (e.g. a picked option becomes the view's option object).
  function modalEntries(modal) {
    const entries = {};
    modal.querySelectorAll("input[data-action-id], select[data-action-id], textarea[data-action-id]").forEach((control) => {
      const block = control.dataset.blockId;
      entries[block] = entries[block] || {};
      entries[block][control.dataset.actionId] = control.value;
    });
    return entries;
  }

  function openChannel(channel, thread) {
    state.channel = channel;
    state.thread = thread || null;
    refresh(true);
  }

  function followPermalink(anchor) {
    // Slack permalinks from the stand-in point into this workspace: open the message here.
    const match = /\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/.exec(anchor.href);
    if (!match) return false;
    const ts = match[2] + "." + match[3];
    openChannel(match[1], null);
    setTimeout(() => {
      const target = document.querySelector('.msg[data-ts="' + ts + '"]');
      if (target) { target.scrollIntoView({ block: "center" }); target.classList.add("highlight"); }
    }, 300);
    return true;
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    const anchor = target.closest("a[href]");
    if (anchor && anchor.closest(".msg") && followPermalink(anchor)) { event.preventDefault(); return; }
    const channelLink = target.closest(".channel-link");
    if (channelLink) { event.preventDefault(); openChannel(channelLink.dataset.channel, null); return; }
    const more = target.closest(".more");
    document.querySelectorAll(".menu").forEach((menu) => {
      if (!more || menu !== more.nextElementSibling) menu.hidden = true;
    });
    if (more) { more.nextElementSibling.hidden = !more.nextElementSibling.hidden; return; }
    const message = target.closest(".msg");
    const shortcut = target.closest("[data-shortcut]");
    if (shortcut && message) {
      post("/api/shortcut", { channel: message.dataset.channel, ts: message.dataset.ts });
      return;
    }
    const threadOpener = target.closest("[data-thread], [data-open-thread]");
    if (threadOpener) {
      openChannel(state.channel, threadOpener.dataset.thread || threadOpener.dataset.openThread);
      return;
    }
    if (target.closest(".close-thread")) { state.thread = null; refresh(true); return; }
    const modal = target.closest(".modal");
    if (target.closest(".modal-close, .modal-cancel") && modal) {
      post("/api/view-close", { view_id: modal.dataset.viewId });
      return;
    }
    if (target.closest(".modal-submit") && modal) {
      post("/api/view-submit", { view_id: modal.dataset.viewId, entries: modalEntries(modal) });
      return;
    }
    const button = target.closest(".bk-button[data-action-id]");
    if (button && !busy) {
      if (button.dataset.url) window.open(button.dataset.url, "_blank", "noopener");
      const click = { action_id: button.dataset.actionId, block_id: button.dataset.blockId, value: button.dataset.value };
      if (modal) {
        confirmThen(button, () => post("/api/modal-click", Object.assign({ view_id: modal.dataset.viewId, entries: modalEntries(modal) }, click)));
      } else if (message) {
        confirmThen(button, () => post("/api/click", Object.assign({ channel: message.dataset.channel, ts: message.dataset.ts }, click)));
      }
      return;
    }
    if (target.closest("#global-shortcut")) { post("/api/global-shortcut", {}); return; }
    if (target.closest("#post-digest")) { post("/api/digest", {}); }
  });

  function send(form, threadTs) {
    const box = form.querySelector("textarea");
    const text = box.value;
    if (!text.trim()) return;
    box.value = "";
    post("/api/message", { text: text, thread_ts: threadTs });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    event.preventDefault();
    if (form.id === "composer") send(form, null);
    else if (form.classList.contains("thread-composer")) send(form, state.thread);
  });

  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (event.key === "Enter" && !event.shiftKey && box.matches("#composer textarea, .thread-composer textarea")) {
      event.preventDefault();
      box.form.requestSubmit();
    }
    if (event.key === "Enter" && box.matches(".modal input[data-action-id]")) {
      // As in Slack, Enter in a single-line input submits the modal.
      event.preventDefault();
      const submit = box.closest(".modal").querySelector(".modal-submit");
      if (submit) submit.click();
    }
    if (event.key === "Escape") document.querySelectorAll(".menu").forEach((menu) => { menu.hidden = true; });
  });

  document.getElementById("user-switcher").addEventListener("change", (event) => {
    state.user = event.target.value;
    state.thread = null;
    modalKey = null;
    refresh(true);
  });

  refresh(true);
  setInterval(() => { if (!busy) refresh(false); }, 1000);
})();
