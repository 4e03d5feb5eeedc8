"""The autopilot pages: the list with a create form, an autopilot's editor (instructions, model, a
checkbox per tool with why it may be risky) beside its threads and runs (each tool call with its
decision, reason code and result), and ``/settings/autopilot`` (the defaults, the same form)."""

from __future__ import annotations

from openagents_shell.app.state import State
from openagents_shell.core.autopilots import (
    MODELS,
    CreateAutopilot,
    DecideApproval,
    Draft,
    EditField,
    Form,
    NewName,
    PickThread,
    SaveForm,
    Send,
    SetRule,
)
from openagents_shell.ui.components import (
    SMALL,
    badge,
    button,
    card,
    checkbox,
    column,
    empty_state,
    label,
    link,
    paragraph,
    row,
    text_area,
    text_field,
)
from openagents_shell.ui.element import Element


def list_page(state: State) -> Element:
    s = state.autopilots
    create = card(text_field("Name", s.new_name, NewName, key="ap-new-name", invalid=bool(s.notice), error=s.notice),
                  button("Create autopilot", CreateAutopilot(), key="ap-create"), title="New autopilot")
    if not s.loaded:
        return column(create, paragraph("Loading…", color="muted", key="ap-loading"))
    if not s.items:
        return column(create, empty_state("No autopilots yet", "Create one: it acts for you with the tools you allow."))
    rows = [row(link(a.name, f"/autopilots/{a.id}", key=f"ap-link-{i}"), badge(a.model), badge(a.access),
                key=f"ap-row-{i}") for i, a in enumerate(s.items)]
    return column(create, card(*rows, title="Your autopilots"))


def _rule_controls(form: Form, disabled: bool) -> list[Element]:
    out: list[Element] = []
    for t in form.tools:
        allowed = t.rule in ("allow", "ask")
        toggle_to = "deny" if allowed else "allow"
        out.append(column(
            checkbox(f"{t.name} — {t.description}", allowed, None if disabled else SetRule(t.name, toggle_to),
                     key=f"ap-tool-{t.name}"),
            row(label(f"Risk: {t.risk}" + ("" if t.available else " (not available yet)"), font=SMALL,
                      color="muted"),
                checkbox("ask me first", t.rule == "ask",
                         None if disabled or not allowed else SetRule(t.name, "allow" if t.rule == "ask" else "ask"),
                         key=f"ap-ask-{t.name}") if allowed else None),
            gap=2))
    return out


def form_view(form: Form, *, with_name: bool) -> Element:
    if not form.loaded:
        return paragraph(form.notice or "Loading…", color="muted", key="ap-form-loading")
    read_only = with_name and not form.editable
    models = row(*(button(m, EditField("model", m), variant="primary" if form.model.split(":")[0] == m else "secondary",
                          key=f"ap-model-{m}", disabled=read_only) for m in MODELS),
                 label(f"model: {form.model}", font=SMALL, color="muted"))
    return card(
        text_field("Name", form.name, lambda v: EditField("name", v), key="ap-name", invalid=bool(form.error("name")),
                   error=form.error("name")) if with_name else None,
        text_area("Instructions", form.instructions, lambda v: EditField("instructions", v), key="ap-instructions",
                  invalid=bool(form.error("instructions")), error=form.error("instructions")),
        models,
        label("Tools this autopilot may use", font=SMALL, color="muted"),
        *_rule_controls(form, read_only),
        row(button("Saving…" if form.busy else "Save", SaveForm(), disabled=form.busy or read_only, key="ap-save"),
            label(f"version {form.version}", font=SMALL, color="muted")),
        paragraph(form.notice, key="ap-form-notice") if form.notice else None,
        title="Settings",
    )


def _conversation(state: State) -> Element:
    c = state.autopilots.conversation
    threads = row(*(button(title or tid, PickThread(tid), variant="primary" if tid == c.thread_id else "secondary",
                           key=f"ap-thread-{i}") for i, (tid, title) in enumerate(c.threads)), wrap=True) \
        if c.threads else None
    runs: list[Element] = []
    for i, run in enumerate(c.runs):
        lines = [label(text, font=SMALL,
                       color="muted" if kind in ("run.started", "run.finished") else "fg", key=f"ap-run-{i}-{j}")
                 for j, (kind, text) in enumerate(run.lines)]
        owner = state.autopilots.form.access == "owner"
        asks = [row(label(f"{a.tool} {a.arguments}", font=SMALL, key=f"ap-approval-{i}-{k}"),
                    button("Approve", DecideApproval(run.run_id, a.approval_id, True), disabled=a.busy,
                           key=f"ap-approve-{i}-{k}"),
                    button("Deny", DecideApproval(run.run_id, a.approval_id, False), variant="secondary",
                           disabled=a.busy, key=f"ap-deny-{i}-{k}"), wrap=True) if owner else
                label(f"{a.tool} waits for the owner's approval", font=SMALL, color="muted", key=f"ap-approval-{i}-{k}")
                for k, a in enumerate(run.approvals)]
        runs.append(column(row(badge(run.status)),
                           *lines, *asks, gap=2))
    return card(
        threads,
        *runs,
        text_field("Message", c.draft, Draft, key="ap-draft", placeholder="post hello to the feed"),
        button("Sending…" if c.busy else "Send", Send(), disabled=c.busy, key="ap-send"),
        paragraph(c.notice, key="ap-conv-notice") if c.notice else None,
        title="Threads",
    )


def autopilot_page(state: State) -> Element:
    return column(form_view(state.autopilots.form, with_name=True), _conversation(state))


def settings_page(state: State) -> Element:
    return column(row(paragraph("Defaults for new autopilots.", color="muted"),
                      link("Your autopilots", "/autopilots", key="ap-list-link")),
                  form_view(state.autopilots.form, with_name=False))
