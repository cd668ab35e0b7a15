// HTTP client for /api/v1. Cookie session + X-CSRF-Token on writes.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code || "http_" + status;
    this.field = field;
  }
}

let csrfToken = sessionStorage.getItem("parley_csrf") || "";

export function setCsrf(token) {
  csrfToken = token || "";
  if (token) sessionStorage.setItem("parley_csrf", token);
  else sessionStorage.removeItem("parley_csrf");
}

function readCsrfCookie() {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === "parley_csrf") return decodeURIComponent(v.join("="));
  }
  return "";
}

function csrf() {
  return readCsrfCookie() || csrfToken;
}

export function url(path) {
  if (/^https?:/.test(path) || path.startsWith("/api/") || path.startsWith("/hooks/")) return path;
  return "/api/v1" + (path.startsWith("/") ? path : "/" + path);
}

let onUnauthorized = null;
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

async function parseError(res) {
  let code = "", message = "", field;
  try {
    const j = await res.json();
    if (j && j.error) ({ code, message, field } = j.error);
  } catch { /* not JSON */ }
  return new ApiError(res.status, code, message || res.statusText, field);
}

export async function api(method, path, body) {
  method = method.toUpperCase();
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") {
    const t = csrf();
    if (t) headers["X-CSRF-Token"] = t;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url(path), init);
  } catch (e) {
    throw new ApiError(0, "network_error", "Could not reach the server.");
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && onUnauthorized && !path.includes("/login") && !path.includes("/signup")) onUnauthorized(err);
    throw err;
  }
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  if (type.includes("json")) return res.json();
  return res.text();
}

// Upload one file with progress. onProgress(fraction 0..1). Returns the File
// metadata. The returned promise has .abort().
export function uploadFile(file, onProgress) {
  const xhr = new XMLHttpRequest();
  const p = new Promise((resolve, reject) => {
    xhr.open("POST", url("/files"));
    xhr.withCredentials = true;
    const t = csrf();
    if (t) xhr.setRequestHeader("X-CSRF-Token", t);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let j = null;
      try { j = JSON.parse(xhr.responseText); } catch { /* ignore */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(j);
      else reject(new ApiError(xhr.status, j?.error?.code, j?.error?.message || xhr.statusText));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", "Upload failed.")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "Upload cancelled.")));
    const fd = new FormData();
    fd.append("file", file, file.name || "pasted-file");
    xhr.send(fd);
  });
  p.abort = () => xhr.abort();
  return p;
}

// Fetch every page of a cursor list (bounded). get(path) fetches one page;
// views handed their own API function pass it here.
export async function listAll(path, maxPages = 50, get = (p) => api("GET", p)) {
  const items = [];
  let cursor = "";
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""));
    items.push(...(page.items || []));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

// friendlyMessage turns an API error into a sentence for the user.
export function friendlyMessage(err) {
  if (!err) return "Something went wrong.";
  if (err.status === 429) return "Too many requests. Wait a moment and try again.";
  if (err.status === 503) return "The server is busy right now. Try again in a moment.";
  if (err.status === 401) return "Your session has ended. Sign in again.";
  return err.message || err.code || "The request failed.";
}
