// Live updates of the status page by server-sent events, and the what-if form.
// No framework and no external script: the page must work on an air-gapped cluster.
"use strict";

const connection = document.getElementById("connection");

function listen() {
  const source = new EventSource("events");
  source.addEventListener("cluster", (message) => {
    const update = JSON.parse(message.data);
    document.getElementById("cluster").innerHTML = update.html;
    connection.textContent = "live";
    connection.className = "live";
  });
  source.onerror = () => {
    // EventSource reconnects by itself; say so meanwhile.
    connection.textContent = "connection lost, retrying…";
    connection.className = "lost";
  };
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({error: response.statusText}));
  return {ok: response.ok, answer};
}

function wireForms() {
  const answer = document.getElementById("whatif-answer");
  const login = document.getElementById("login-form");
  if (login) {
    login.addEventListener("submit", async (event) => {
      event.preventDefault();
      const done = await post("login", {secret: document.getElementById("login-secret").value});
      if (done.ok) { window.location.reload(); } else { answer.textContent = done.answer.error; }
    });
  }
  const form = document.getElementById("whatif-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      answer.textContent = "planning…";
      const done = await post("whatif", {words: document.getElementById("whatif-words").value});
      if (done.answer.html) { answer.innerHTML = done.answer.html; } else { answer.textContent = done.answer.error; }
    });
    document.getElementById("logout").addEventListener("click", async () => {
      await post("logout", {});
      window.location.reload();
    });
  }
}

// "What if it fails?" on a node card: ask the form (the cards are redrawn, so listen on their parent).
document.getElementById("cluster").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-whatif]");
  if (!button) { return; }
  const words = document.getElementById("whatif-words");
  if (words) {
    words.value = button.dataset.whatif;
    document.getElementById("whatif-form").requestSubmit();
  } else {
    document.getElementById("login-secret").focus();
  }
  document.getElementById("whatif").scrollIntoView();
});

listen();
wireForms();
