"""The UI toolkit: pure functions from state to an element tree, laid out and turned into a display
list and a semantics tree. No browser access here (``host/`` has that; ``render/`` draws).

How a page uses it (docs/UI_TOOLKIT.md has the whole story)::

    from openagents_shell.ui.components import button, column, heading, text_field

    def view(state: State) -> Element:
        return column(heading("Sign in"),
                      text_field("Email", state.email, EmailEdited, kind="email"),
                      button("Send code", SendCode(), disabled=not state.email))

``EmailEdited`` is a frozen dataclass taking the field's new value; ``SendCode()`` is dispatched when
the button is pressed (click, Enter or Space). Links take a URL (``link("Feed", "/feed")``).
"""
