// Calendar page: FullCalendar fed by the JSON endpoint; drag to move or resize (the
// server validates and the event snaps back on a conflict); select a slot to create.
// Strict CSP: no inline scripts; the configuration comes through json_script.
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function showMessage(text, kind) {
    const box = document.getElementById("rp-calendar-message");
    if (!box) return;
    box.textContent = text;
    box.className = "alert alert-" + (kind || "warning");
    if (kind === "success") setTimeout(() => box.classList.add("d-none"), 3000);
  }

  function paintLegend() {
    document.querySelectorAll(".rp-legend[data-color]").forEach((el) => {
      el.style.setProperty("--rp-color", el.dataset.color);
    });
  }

  function start() {
    const el = document.getElementById("rp-calendar");
    const configEl = document.getElementById("rp-calendar-config");
    if (!el || !configEl || !window.FullCalendar) return;
    const config = JSON.parse(configEl.textContent);
    paintLegend();

    function move(info) {
      const props = info.event.extendedProps;
      const body = new URLSearchParams();
      body.set("start", info.event.start.toISOString());
      body.set("end", (info.event.end || new Date(info.event.start.getTime() + 3600000)).toISOString());
      if (props.occurrence) body.set("occurrence", props.occurrence);
      const url = config.moveUrl.replace("00000000-0000-0000-0000-000000000000", props.event);
      fetch(url, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
        .then((result) => {
          if (!result.ok || !result.data.ok) {
            info.revert();
            showMessage(result.data.message || config.texts.moveFailed, "danger");
          } else {
            showMessage(result.data.message, "success");
            calendar.refetchEvents();
          }
        })
        .catch(() => { info.revert(); showMessage(config.texts.moveFailed, "danger"); });
    }

    const calendar = new FullCalendar.Calendar(el, {
      initialView: config.view || "timeGridWeek",
      initialDate: config.date || undefined,
      timeZone: config.timeZone,
      locale: config.locale,
      firstDay: 1,
      nowIndicator: true,
      height: "auto",
      slotMinTime: "06:00:00",
      slotMaxTime: "22:00:00",
      scrollTime: "08:00:00",
      headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" },
      selectable: config.canWrite,
      selectMirror: true,
      editable: config.canWrite,
      eventStartEditable: true,
      eventDurationEditable: true,
      businessHours: true,
      events: function (info, success, failure) {
        const params = new URLSearchParams({ start: info.startStr, end: info.endStr });
        config.users.forEach((u) => params.append("users", u));
        if (config.department) params.set("department", config.department);
        fetch(config.feedUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((r) => r.json())
          .then((data) => {
            if (data.businessHours) calendar.setOption("businessHours", data.businessHours);
            success(data.events || []);
          })
          .catch(failure);
      },
      select: function (info) {
        const params = new URLSearchParams({ start: info.start.toISOString(), end: info.end.toISOString() });
        if (info.allDay) params.set("all_day", "1");
        window.location.href = config.newUrl + "?" + params.toString();
      },
      eventDrop: move,
      eventResize: move,
      eventDidMount: function (info) {
        const props = info.event.extendedProps;
        info.el.dataset.testid = "calendar-event";
        info.el.dataset.eventId = props.event;
        const tip = [info.event.title, props.user, props.client].filter(Boolean).join(" · ");
        info.el.setAttribute("title", tip);
      },
    });
    calendar.render();
    window.rpCalendar = calendar;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
