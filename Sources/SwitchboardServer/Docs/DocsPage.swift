/// The page served at `/docs`: fetches `/openapi.json` from the same server and renders its operations (with their
/// examples and a curl line each), schemas and the places where Switchboard deliberately differs from HighLevel's
/// published documents. Plain inline JavaScript and CSS; nothing is loaded from anywhere else, and every text from
/// the document is inserted as text, not HTML. It wraps down to a phone's width: long patterns and ids break
/// anywhere, and below 760 px the index sits above the operations. When it has rendered, the root element carries
/// `data-rendered-width` (its scroll width), `data-window-width` and `data-overflowing` (the first elements wider than the window), which the
/// browser test reads to prove nothing overflows.
enum DocsPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Switchboard API</title>
        <style>
        body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
        header { background: #1d2330; color: #fff; padding: 16px 24px; }
        header a { color: #9cc3ff; }
        main { display: flex; gap: 24px; padding: 16px 24px; }
        nav { flex: 0 0 300px; position: sticky; top: 8px; align-self: flex-start; max-height: 95vh; overflow: auto;
              font-size: 13px; }
        nav a { display: block; color: #1d2330; text-decoration: none; padding: 1px 0; overflow-wrap: anywhere; }
        nav h3 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; color: #667; }
        #content { flex: 1; min-width: 0; }
        section.op, section.schema, section.diff { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
              padding: 12px 16px; margin: 0 0 16px; }
        .method { display: inline-block; min-width: 56px; text-align: center; font-weight: 700; color: #fff;
              border-radius: 4px; padding: 0 6px; margin-right: 8px; font-size: 13px; }
        .get { background: #2f7d32; } .post { background: #1f5fbf; } .put { background: #a15c00; }
        .delete { background: #b3261e; } .patch { background: #6a3fb5; }
        .path { font-family: ui-monospace, monospace; font-weight: 600; }
        code, .mono { font-family: ui-monospace, monospace; font-size: 13px; background: #f0f2f5; padding: 0 3px;
              border-radius: 3px; }
        table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 13px; }
        th, td { border-bottom: 1px solid #e6e8eb; text-align: left; padding: 3px 6px; vertical-align: top; }
        .difference { border-left: 4px solid #e0a100; background: #fff8e1; padding: 4px 8px; margin: 6px 0; }
        .status { font-weight: 700; font-family: ui-monospace, monospace; }
        ul.tree { list-style: none; padding-left: 16px; margin: 2px 0; font-size: 13px; }
        .req { color: #b3261e; font-weight: 700; }
        .muted { color: #667; }
        h4 { margin: 10px 0 2px; font-size: 14px; }
        #content, nav { overflow-wrap: anywhere; }
        pre { font-family: ui-monospace, monospace; font-size: 12px; background: #f0f2f5; border-radius: 4px;
              padding: 6px 8px; margin: 4px 0 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
        pre.curl { background: #1d2330; color: #e6edf7; }
        @media (max-width: 760px) {
          main { display: block; padding: 8px; }
          nav { position: static; max-height: 40vh; margin-bottom: 12px; }
          header { padding: 12px; }
          section.op, section.schema, section.diff { padding: 8px; }
          /* A table's rows become blocks: name, place, schema and description, one under the other. */
          table, tbody, tr, td { display: block; }
          th { display: none; }
          tr { border-bottom: 1px solid #e6e8eb; padding: 4px 0; }
          td { border: none; padding: 0; }
        }
        </style>
        </head>
        <body>
        <header><strong id="title">Switchboard API</strong> <span id="version" class="muted"></span>
          · <a href="/openapi.json">openapi.json</a></header>
        <main><nav id="nav"></nav><div id="content"><p>Loading /openapi.json…</p></div></main>
        <script>
        "use strict";
        const el = (tag, attrs, ...children) => {
          const node = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
          for (const child of children) if (child != null) node.append(child);
          return node;
        };
        /* Text with `code` spans; everything stays text, nothing is parsed as HTML. */
        const inline = (text, node) => {
          String(text).split("`").forEach((part, i) => node.append(i % 2 ? el("code", {}, part) : part));
          return node;
        };
        /* Paragraphs (blank-line separated) and "- " lists; a one-line text stays inline. */
        const rich = (text) => {
          const blocks = String(text || "").trim().split(/\n\s*\n/);
          if (blocks.length === 1 && !blocks[0].startsWith("- ")) return inline(blocks[0].replace(/\s*\n\s*/g, " "), el("span"));
          const box = el("div");
          for (const block of blocks) {
            if (block.startsWith("- ")) {
              const list = el("ul");
              for (const item of block.split(/\n(?=- )/)) list.append(inline(item.slice(2).replace(/\s*\n\s*/g, " "), el("li")));
              box.append(list);
            } else {
              box.append(inline(block.replace(/\s*\n\s*/g, " "), el("p")));
            }
          }
          return box;
        };
        const refName = (ref) => ref.split("/").pop();
        let spec = {};
        const resolve = (obj) => {
          let seen = 0;
          while (obj && obj.$ref && seen++ < 20) {
            obj = obj.$ref.replace(/^#\//, "").split("/").reduce((o, k) => (o || {})[k.replace(/~1/g, "/")], spec);
          }
          return obj || {};
        };
        const typeLabel = (schema) => {
          if (!schema) return "any";
          if (schema.$ref) return el("a", { href: "#schema-" + refName(schema.$ref) }, refName(schema.$ref));
          if (schema.const !== undefined) return "const " + JSON.stringify(schema.const);
          if (schema.enum) return "one of " + schema.enum.map((v) => JSON.stringify(v)).join(", ");
          if (schema.oneOf || schema.anyOf) {
            const span = el("span", {}, schema.oneOf ? "one of: " : "any of: ");
            (schema.oneOf || schema.anyOf).forEach((s, i) => { if (i) span.append(" | "); span.append(typeLabel(s)); });
            return span;
          }
          const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type || "any");
          if (type === "array") { const s = el("span", {}, "array of "); s.append(typeLabel(schema.items)); return s; }
          const limits = ["format", "pattern", "minimum", "maximum", "minLength", "maxLength", "maxItems"]
            .filter((k) => schema[k] !== undefined).map((k) => k + " " + schema[k]);
          return type + (limits.length ? " (" + limits.join(", ") + ")" : "");
        };
        const anchored = new Set();
        /* The note, anchored at #difference-<id> where it first appears (shared components appear more than once). */
        const differenceNote = (obj) => {
          const d = obj && obj["x-highlevel-difference"];
          if (!d) return "";
          const attrs = { class: "difference" };
          if (!anchored.has(d.id)) { anchored.add(d.id); attrs.id = "difference-" + d.id; }
          return el("div", attrs, el("strong", {}, "Differs from HighLevel: "), rich(d.note));
        };
        const schemaTree = (schema, depth) => {
          const s = schema && schema.$ref ? null : schema;
          if (!s || depth > 6) return "";
          const props = s.properties || (s.items && !s.items.$ref && s.items.properties ? s.items.properties : null);
          const required = s.required || (s.items && s.items.required) || [];
          if (!props) return "";
          const list = el("ul", { class: "tree" });
          for (const [name, prop] of Object.entries(props)) {
            const item = el("li", {}, el("span", { class: "mono" }, name), " ");
            if (required.includes(name)) item.append(el("span", { class: "req", title: "required" }, "* "));
            item.append(typeLabel(prop));
            if (prop.description) { item.append(" — "); item.append(rich(prop.description)); }
            item.append(differenceNote(prop));
            item.append(schemaTree(prop, depth + 1));
            list.append(item);
          }
          if (s.additionalProperties === false) list.append(el("li", { class: "muted" }, "no other properties"));
          return list;
        };
        /* The operation's parameters with its path's shared ones; the operation's own win. */
        const parameters = (path, op) => {
          const merged = new Map();
          for (const p of [...((spec.paths[path] || {}).parameters || []), ...(op.parameters || [])].map(resolve)) {
            merged.set(p.in + " " + p.name, p);
          }
          return [...merged.values()];
        };
        const FORM = "application/x-www-form-urlencoded";
        const formText = (example) => Object.entries(example).map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&");
        const bodyBlock = (content) => {
          const block = el("div");
          for (const [type, media] of Object.entries(content || {})) {
            block.append(el("div", {}, el("span", { class: "mono" }, type), " ", typeLabel(media.schema)));
            block.append(schemaTree(resolve(media.schema), 0));
            if (media.example !== undefined) {
              const text = type === FORM ? formText(media.example) : JSON.stringify(media.example, null, 2);
              block.append(el("div", { class: "muted" }, "Example"), el("pre", { class: "example" }, text));
            }
          }
          return block;
        };
        /* A curl line for the operation, with the variables `switchboard serve` prints (SWITCHBOARD_TOKEN,
           SWITCHBOARD_LOCATION_ID) and one per path parameter (conversationId → CONVERSATION_ID). */
        const quote = (text) => "'" + String(text).replace(/'/g, "'\\''") + "'";
        const variable = (name) => name === "locationId" ? "SWITCHBOARD_LOCATION_ID"
          : name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
        const curlLine = (path, method, op) => {
          const params = parameters(path, op);
          const query = params.filter((p) => p.in === "query" && p.required)
            .map((p) => p.name + "=$" + variable(p.name));
          const base = ((spec.servers || [])[0] || {}).url || location.origin;
          const url = base + path.replace(/\{([^}]+)\}/g, (_, name) => "$" + variable(name))
            + (query.length ? "?" + query.join("&") : "");
          const lines = ["curl -s" + (method === "get" ? "" : " -X " + method.toUpperCase()) + " \"" + url + "\""];
          const security = op.security || spec.security || [];
          if (security.length && Object.keys(security[0] || {}).length) lines.push("-H \"Authorization: Bearer $SWITCHBOARD_TOKEN\"");
          const version = params.find((p) => p.in === "header" && p.name === "Version");
          if (version) lines.push("-H " + quote("Version: " + (((version.schema || {}).enum || [])[0] || "2021-04-15")));
          const body = op.requestBody ? resolve(op.requestBody) : null;
          for (const [type, media] of Object.entries((body || {}).content || {})) {
            if (media.example === undefined) continue;
            if (type === FORM) {
              for (const [k, v] of Object.entries(media.example)) lines.push("--data-urlencode " + quote(k + "=" + v));
            } else if (type === "multipart/form-data") {
              // Double quotes: the ids are the variables `serve` prints, expanded by the shell.
              for (const [k, v] of Object.entries(media.example)) lines.push("-F \"" + k + "=" + v + "\"");
            } else if (typeof media.example === "string" && media.example.startsWith("@")) {
              lines.push("-H 'Content-Type: " + type + "'", "--data-binary " + quote(media.example));
            } else {
              lines.push("-H 'Content-Type: " + type + "'", "-d " + quote(JSON.stringify(media.example)));
            }
            break;
          }
          return lines.join(" \\\n  ");
        };
        const operation = (path, method, op) => {
          const id = op.operationId || (method + path);
          const section = el("section", { class: "op", id: "op-" + id },
            el("div", {}, el("span", { class: "method " + method }, method.toUpperCase()),
              el("span", { class: "path" }, path), " ", el("span", { class: "muted" }, op.operationId || "")));
          if (op.summary) section.append(el("h3", {}, op.summary));
          if (op.description) section.append(el("p", {}, rich(op.description)));
          section.append(differenceNote(op));
          section.append(el("pre", { class: "curl", "data-operation": id }, curlLine(path, method, op)));
          const security = op.security || spec.security || [];
          const scopes = security.flatMap((s) => Object.values(s).flat());
          section.append(el("p", { class: "muted" }, security.length === 0 || Object.keys(security[0] || {}).length === 0
            ? "No token needed." : "Bearer token" + (scopes.length ? " with scope " + scopes.join(", ") : "") + "."));
          const params = parameters(path, op);
          if (params.length) {
            const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"),
              el("th", {}, "schema"), el("th", {}, "description")));
            for (const p of params) {
              const name = el("td", {}, el("span", { class: "mono" }, p.name));
              if (p.required) name.append(el("span", { class: "req", title: "required" }, " *"));
              const description = el("td", {}, rich(p.description));
              description.append(differenceNote(p));
              table.append(el("tr", {}, name, el("td", {}, p.in), el("td", {}, typeLabel(p.schema)), description));
            }
            section.append(el("h4", {}, "Parameters"), table);
          }
          if (op.requestBody) {
            const body = resolve(op.requestBody);
            section.append(el("h4", {}, "Request body" + (body.required ? " (required)" : "")));
            if (body.description) section.append(el("p", {}, rich(body.description)));
            section.append(differenceNote(body), bodyBlock(body.content));
          }
          section.append(el("h4", {}, "Responses"));
          for (const [status, ref] of Object.entries(op.responses || {})) {
            const response = resolve(ref);
            const row = el("div", {}, el("span", { class: "status" }, status), " ", rich(response.description));
            row.append(differenceNote(response));
            const headers = Object.keys(response.headers || {});
            if (headers.length) row.append(el("div", { class: "muted" }, "headers: " + headers.join(", ")));
            row.append(bodyBlock(response.content));
            section.append(row);
          }
          return section;
        };
        const collectDifferences = (node, trail, out) => {
          if (!node || typeof node !== "object") return;
          if (node["x-highlevel-difference"]) out.push([trail, node["x-highlevel-difference"]]);
          for (const [k, v] of Object.entries(node)) if (k !== "x-highlevel-difference") collectDifferences(v, trail + "/" + k, out);
        };
        const render = () => {
          document.getElementById("title").textContent = spec.info.title;
          document.getElementById("version").textContent = "version " + spec.info.version;
          const content = document.getElementById("content");
          const nav = document.getElementById("nav");
          content.textContent = "";
          content.append(el("section", { class: "op" }, el("h2", {}, spec.info.title), rich(spec.info.description),
            el("p", {}, rich("Each operation's curl line uses the variables `switchboard serve` prints (`export "
              + "SWITCHBOARD_TOKEN=… SWITCHBOARD_LOCATION_ID=…`), and one per path parameter: set `CONVERSATION_ID`, "
              + "`MESSAGE_ID` or `CONTACT_ID` first."))));
          const byTag = {};
          for (const [path, item] of Object.entries(spec.paths)) {
            for (const method of ["get", "post", "put", "patch", "delete"]) {
              if (!item[method]) continue;
              const tag = (item[method].tags || ["Other"])[0];
              (byTag[tag] = byTag[tag] || []).push([path, method, item[method]]);
            }
          }
          for (const [tag, ops] of Object.entries(byTag)) {
            nav.append(el("h3", {}, tag));
            content.append(el("h2", {}, tag));
            for (const [path, method, op] of ops) {
              nav.append(el("a", { href: "#op-" + (op.operationId || method + path) }, method.toUpperCase() + " " + path));
              content.append(operation(path, method, op));
            }
          }
          nav.append(el("h3", {}, "Reference"), el("a", { href: "#differences" }, "Differences from HighLevel"),
            el("h3", {}, "Schemas"));
          content.append(el("h2", {}, "Schemas"));
          for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
            nav.append(el("a", { href: "#schema-" + name }, name));
            const section = el("section", { class: "schema", id: "schema-" + name }, el("h3", {}, name), typeLabel(schema));
            if (schema.description) section.append(el("p", {}, rich(schema.description)));
            section.append(differenceNote(schema), schemaTree(schema, 0));
            content.append(section);
          }
          const differences = [];
          collectDifferences(spec, "#", differences);
          const diffs = el("section", { class: "diff", id: "differences" }, el("h2", {}, "Differences from HighLevel"));
          const list = el("ul");
          for (const [trail, d] of differences) {
            /* Notes on elements no operation shows (the security scheme, the unknown-route answer) anchor here. */
            const attrs = anchored.has(d.id) ? {} : { id: "difference-" + d.id };
            anchored.add(d.id);
            list.append(el("li", attrs,
              el("a", { href: "#difference-" + d.id }, d.id), " ", el("span", { class: "muted mono" }, trail), " — ", rich(d.note)));
          }
          diffs.append(list);
          content.append(diffs);
          if (location.hash) { const target = document.getElementById(location.hash.slice(1)); if (target) target.scrollIntoView(); }
          const root = document.documentElement;
          root.dataset.renderedWidth = String(root.scrollWidth);
          root.dataset.windowWidth = String(root.clientWidth);
          /* The first elements that reach past the window, for the browser test's message. */
          root.dataset.overflowing = Array.from(document.querySelectorAll("body *"))
            .filter((node) => node.getBoundingClientRect().right > root.clientWidth + 0.5).slice(0, 5)
            .map((node) => node.tagName.toLowerCase() + "." + node.className + ": " + node.textContent.slice(0, 60)).join(" | ");
        };
        fetch("/openapi.json").then((r) => r.json()).then((json) => { spec = json; render(); }).catch((error) => {
          document.getElementById("content").textContent = "Could not load /openapi.json: " + error;
        });
        </script>
        </body>
        </html>

        """#
}
