/*
 * What every htmx action needs and no template should repeat (issue #15):
 *  - a posting control shows it is working (aria-busy, Pico draws the spinner) and cannot be
 *    pressed twice while its request is in flight;
 *  - after a swap, focus stays on the control that asked, or its copy in the new markup (the same
 *    form action, name and value: "Mark absent" where "Mark present" was pressed), or moves to
 *    the swapped region, or to what followed it when the answer took it away (the next wish on
 *    the review), so a keyboard or screen-reader user is not thrown back to the top of the page;
 *  - the result is said in the polite status region; a failed request (403, 404, 413, 429, 503,
 *    other 5xx, no network, timeout) is said in the assertive region, in the viewer's language (base.html
 *    renders the texts into data-* attributes). Failed answers are not swapped (htmx-config), so
 *    what the user typed stays where it was.
 *  - a block that refreshes itself (`data-poll-spares-focus`, Today's blocks) skips a refresh
 *    while it holds the focus, a text selection or an edited field: a poll never steals what
 *    someone is typing or reading; the next poll after they leave it brings it up to date.
 *  - once the session has ended, the blocks all told to open the login page open it once;
 *  - a post that loads a whole page (a file upload, the login) shows it is working the same way,
 *    and when that page comes back refused, focus starts on its first invalid field (its error
 *    is its description), where a keyboard or screen-reader user was otherwise left at the top;
 * A response names its own success message with `HX-Trigger-After-Settle: {"huddle:announce": "..."}`
 * (core.announce, on every posting view); it arrives after the settle and replaces "Done.".
 */
(function () {
  "use strict";

  function region(id) {
    return document.getElementById(id);
  }

  var timers = {};

  function say(id, text) {
    var el = region(id);
    if (!el || !text) return;
    // Emptying first makes a repeated message count as a change for screen readers; a later
    // message (a response's own announcement after the generic "Done.") replaces an earlier one.
    window.clearTimeout(timers[id]);
    el.textContent = "";
    timers[id] = window.setTimeout(function () { el.textContent = text; }, 50);
  }

  function clearAlert() {
    var el = region("huddle-alert");
    if (el) el.textContent = "";
  }

  function isGet(detail) {
    var verb = detail.requestConfig && detail.requestConfig.verb;
    return !verb || verb.toLowerCase() === "get";
  }

  // The button that was pressed: a form's submitter, or the element carrying hx-post itself.
  function control(detail) {
    var event = detail.requestConfig && detail.requestConfig.triggeringEvent;
    if (event && event.submitter) return event.submitter;
    var elt = detail.elt;
    if (elt && elt.tagName === "FORM") {
      return elt.querySelector("button:not([type=button]):not([type=reset]), [type=submit]");
    }
    return elt;
  }

  function busy(el, on) {
    if (!el || el.tagName === "FORM") return;
    if (on) {
      el.setAttribute("aria-busy", "true");
      el.disabled = true;
    } else {
      el.removeAttribute("aria-busy");
      el.disabled = false;
    }
  }

  var pending = null; // {control, focused, target} of the last user action

  function inUse(block) {
    var active = document.activeElement;
    if (active && active !== document.body && block.contains(active)) return true;
    var selection = window.getSelection && window.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount &&
        block.contains(selection.getRangeAt(0).commonAncestorContainer)) return true;
    return Array.prototype.some.call(block.querySelectorAll("input, textarea, select"), function (f) {
      if (f.type === "checkbox" || f.type === "radio") return f.checked !== f.defaultChecked;
      if (f.tagName === "SELECT") {
        return Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return f.value !== f.defaultValue;
    });
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (isGet(evt.detail) && !userAsked(evt.detail) && elt &&
        elt.hasAttribute("data-poll-spares-focus") && inUse(elt)) {
      evt.preventDefault(); // this refresh is skipped; the next one tries again
      return;
    }
    if (isGet(evt.detail)) return; // polling and filters stay quiet
    clearAlert();
    var button = control(evt.detail);
    pending = {
      control: button,
      focused: document.activeElement,
      focusedId: document.activeElement && document.activeElement.id,
      focusedLike: likeness(document.activeElement),
      target: evt.detail.target,
      targetId: evt.detail.target && evt.detail.target.id,
      // Where the target stood, should the answer take it away (a wish decided on the review)
      after: evt.detail.target && evt.detail.target.nextElementSibling,
      parent: evt.detail.target && evt.detail.target.parentElement,
    };
    busy(button, true);
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    if (isGet(evt.detail)) return;
    busy(control(evt.detail), false);
  });

  function focusable(el) {
    return el && el.isConnected && !el.disabled && el.offsetParent !== null;
  }

  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // What a control does, to find it again in the swapped copy of its region: the form it posts
  // (its action) and, within it, its name and value ("Mark absent" in the row of the person marked).
  function formAction(form) {
    return form && (form.getAttribute("action") || form.getAttribute("hx-post"));
  }

  function likeness(el) {
    if (!el || el === document.body || !el.closest) return null;
    var action = formAction(el.form || el.closest("form"));
    return action ? { tag: el.tagName, name: el.name || "", value: el.value, action: action } : null;
  }

  function findLike(like) {
    if (!like) return null;
    var forms = Array.prototype.filter.call(document.querySelectorAll("main form"), function (f) {
      return formAction(f) === like.action;
    });
    var best = null;
    forms.some(function (form) {
      var controls = Array.prototype.filter.call(
        form.querySelectorAll("button, input:not([type=hidden]), select, textarea"), focusable);
      var same = controls.filter(function (c) {
        return c.tagName === like.tag && (c.name || "") === like.name && c.value === like.value;
      })[0];
      best = same || controls.filter(function (c) { return c.type === "submit"; })[0] || controls[0] || null;
      return best !== null;
    });
    return best;
  }

  // The first field marked invalid in ``root`` (a group's first field: a fieldset of radios).
  function firstInvalid(root) {
    var invalid = root && root.querySelector("[aria-invalid=true]");
    if (!invalid) return null;
    return invalid.matches("input, select, textarea, button") ? invalid
      : invalid.querySelector("input, select, textarea, button");
  }

  // The swapped region as it is now (an outerHTML swap replaced the element htmx started with).
  function swapped(was) {
    if (was.target && was.target.isConnected) return was.target;
    return (was.targetId && document.getElementById(was.targetId)) || null;
  }

  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!pending || isGet(evt.detail)) return;
    var was = pending;
    pending = null;
    var region_ = swapped(was);
    if (lostFocus()) {
      // A refusal's field to fix (its error is its description); else the control itself, or its
      // copy in the new markup (by id, then by what it does); else the swapped region; else, when
      // the answer took the region away, what stood after it (the next wish) or around it.
      var again = firstInvalid(region_);
      if (!focusable(again)) {
        again = was.focused && was.focused.isConnected ? was.focused
          : (was.focusedId && document.getElementById(was.focusedId));
      }
      if (!focusable(again)) again = findLike(was.focusedLike);
      if (focusable(again)) {
        again.focus();
      } else {
        var target = region_ || (was.after && was.after.isConnected && was.after) ||
          (was.parent && was.parent.isConnected && was.parent) || region("content");
        if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
        target.focus();
      }
    }
    var where = region_ || document.getElementById("content");
    var problem = where && where.querySelector("[role=alert], .field-error");
    if (problem) {
      say("huddle-alert", problem.textContent.trim());
      return;
    }
    var status = where && where.querySelector("[role=status]");
    var text = status ? status.textContent.trim() : region("huddle-status").dataset.done;
    say("huddle-status", text);
  });

  document.addEventListener("huddle:announce", function (evt) {
    say("huddle-status", evt.detail && evt.detail.value);
  });

  function failure(status) {
    var el = region("huddle-alert");
    if (!el) return "";
    var data = el.dataset;
    if (status === 403) return data.forbidden;
    if (status === 404) return data.notFound;
    if (status === 413) return data.tooLarge;
    if (status === 429) return data.tooMany;
    // 503 is "not now, try again": Huddle's own while the database is set up or upgraded
    // (core.schema), or a proxy's while the app is away or overloaded. Not "something went wrong".
    if (status === 503) return data.unavailable;
    if (status >= 500) return data.serverError;
    if (!status) return data.offline;
    return data.failed;
  }

  // A poll that fails is not the user's doing: it says nothing (the next poll tries again).
  function userAsked(detail) {
    return !isGet(detail) || Boolean(detail.requestConfig && detail.requestConfig.triggeringEvent);
  }

  // The session ended and every block refreshing at once is told to open the login page
  // (HX-Redirect, core.access): the first is followed, the others are not, so the browser loads
  // that page once. Each navigation started replaced the one before it, so the login page was
  // loaded once per block. Should the page still be here a few seconds on (the navigation never
  // happened, or the back button brought it back), the next one is followed again.
  var leftAt = 0;
  document.addEventListener("htmx:beforeOnLoad", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("HX-Redirect")) return;
    if (Date.now() - leftAt < 5000) {
      evt.preventDefault();
      return;
    }
    leftAt = Date.now();
  });
  window.addEventListener("pageshow", function (evt) {
    leftAt = 0;
    if (!evt.persisted) return;
    // Back to a page the browser kept: a button left working by a page post works again.
    Array.prototype.forEach.call(document.querySelectorAll("button[aria-busy=true]"), function (b) {
      busy(b, false);
    });
  });

  // A post that loads a whole page (a file upload, a form htmx does not take: it would have
  // cancelled the submit by now) shows it is working too, and a second press sends nothing.
  // Disabled a moment later, so the pressed button's own name and value still go with the form.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (evt.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var button = evt.submitter || form.querySelector("button:not([type=button]):not([type=reset])");
    if (!button || button.tagName === "FORM") return;
    button.setAttribute("aria-busy", "true");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });

  document.addEventListener("htmx:responseError", function (evt) {
    pending = null;
    if (!userAsked(evt.detail)) return;
    say("huddle-alert", failure(evt.detail.xhr ? evt.detail.xhr.status : 0));
  });
  document.addEventListener("htmx:sendError", function (evt) {
    pending = null;
    if (!userAsked(evt.detail)) return;
    say("huddle-alert", failure(0));
  });
  document.addEventListener("htmx:timeout", function (evt) {
    pending = null;
    if (!userAsked(evt.detail)) return;
    say("huddle-alert", failure(0));
  });

  // "Copy" beside a secret shown once (a new API token, a password link): the whole text to the
  // clipboard, said in the polite region. Shown only where the browser offers a clipboard.
  function offerCopy(root) {
    if (!navigator.clipboard || !root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll("button[data-copy]"), function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("htmx:load", function (evt) { offerCopy(evt.target); });
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("button[data-copy]");
    var source = button && document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      say("huddle-status", button.getAttribute("data-copied"));
    });
  });

  // A whole page that came back with its form refused (a plain post: the survey, write-to-us,
  // the login): focus on the first invalid field, or the first field of an invalid group.
  function focusFirstInvalid() {
    var field = firstInvalid(document.querySelector("main"));
    if (focusable(field) && lostFocus()) field.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstInvalid);
  } else {
    focusFirstInvalid();
  }

  // A new team's timezone menu (data-guess-timezone: the set-up page, a new team) starts at the
  // browser's own timezone when the menu has it; the server can only default to UTC.
  function guessTimezone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || !root.querySelectorAll) return;
    Array.prototype.forEach.call(root.querySelectorAll("select[data-guess-timezone]"), function (menu) {
      var offers = function (name) {
        return Array.prototype.some.call(menu.options, function (o) { return o.value === name; });
      };
      var aliases = {};
      try { aliases = JSON.parse(menu.getAttribute("data-guess-timezone") || "{}"); } catch (e) { /* none */ }
      // Chrome may say Asia/Calcutta where the menu says Asia/Kolkata (core/timezones.py).
      var name = offers(zone) ? zone : aliases[zone];
      if (name && offers(name)) menu.value = name;
    });
  }
  document.addEventListener("htmx:load", function (evt) { guessTimezone(evt.target); });
})();
