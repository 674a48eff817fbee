import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { moduleUrl } from "../../src/internal/module-url.js";
import { task } from "../../src/index.js";

describe("moduleUrl", () => {
  it("keeps URLs and URL strings as they are", () => {
    assert.equal(moduleUrl("x", new URL("file:///a/tasks.js")), "file:///a/tasks.js");
    assert.equal(moduleUrl("x", "https://example.com/tasks.js"), "https://example.com/tasks.js");
    assert.equal(moduleUrl("x", "data:text/javascript,export const f = 1"), "data:text/javascript,export const f = 1");
  });

  it("turns absolute paths into file URLs, escaping what needs it", () => {
    assert.equal(moduleUrl("x", "/srv/my tasks/t.js"), "file:///srv/my%20tasks/t.js");
  });

  it("reads a Windows drive path as a path on every platform, not as a URL scheme 'c:'", () => {
    assert.equal(moduleUrl("x", "C:\\work\\tasks.js"), "file:///C:/work/tasks.js");
    assert.equal(moduleUrl("x", "c:/work/tasks.js"), "file:///c:/work/tasks.js");
    assert.equal(moduleUrl("x", "\\\\server\\share\\tasks.js"), "file://server/share/tasks.js");
    // task() uses the same rule.
    assert.equal(task("D:\\t.js", "f").module, "file:///D:/t.js");
  });

  it("refuses relative paths unless told what they are relative to", () => {
    assert.throws(() => moduleUrl("create task reference", "./tasks.js"), {
      name: "TypeError",
      message: /^Cannot create task reference as 'module' must be an absolute path or URL .*: received "\.\/tasks\.js"$/,
    });
    assert.equal(moduleUrl("x", "lib/tasks.js", { relativeTo: "/srv/app" }), "file:///srv/app/lib/tasks.js");
  });

  it("names the option and the value of anything else", () => {
    assert.throws(() => moduleUrl("start worker", 42, { name: "tasks" }), {
      name: "TypeError",
      message: "Cannot start worker as 'tasks' must be a URL or an absolute path: received 42",
    });
    assert.throws(() => moduleUrl("x", ""), { name: "TypeError" });
  });
});
