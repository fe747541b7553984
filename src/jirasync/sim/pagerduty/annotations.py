"""What people add to an incident: notes (≤ 2,000), status updates, responder requests and
custom field values, each with its log entry and webhook event."""

from __future__ import annotations

from typing import Any

from jirasync.sim.pagerduty.errors import PDError, invalid
from jirasync.sim.pagerduty.journal import Journal
from jirasync.sim.pagerduty.model import Actor, Incident, Note

MAX_NOTES = 2000


class Annotations(Journal):
    # -- notes --------------------------------------------------------------------------------
    def add_note(self, incident: Incident, content: Any, actor: Actor | None) -> Note:
        if not isinstance(content, str) or not content.strip():
            raise invalid("Note content cannot be empty.")
        if len(incident.note_ids) >= MAX_NOTES:
            raise invalid(f"An incident can have at most {MAX_NOTES} notes")
        now = self.state.clock()
        user_id = actor.id if actor and actor.kind == "user" else None
        note = Note(self.state.new_id("P"), incident.id, user_id, content, now, now)
        self.state.notes[note.id] = note
        incident.note_ids.append(note.id)
        entry = self.log(
            incident,
            "annotate_log_entry",
            actor,
            "Note added",
            {"type": "note", "summary": content, "content": content},
        )
        self.emit("incident.annotated", incident, actor, entry, self._note_data(incident, note))
        return note

    def _note_data(self, incident: Incident, note: Note) -> dict[str, Any]:
        return {
            "incident": self.ser.incident_ref(incident),
            "id": note.id,
            "content": note.content,
            "trimmed": False,
            "type": "incident_note",
        }

    def note(self, incident: Incident, note_id: str) -> Note:
        note = self.state.notes.get(note_id)
        if note is None or note.incident_id != incident.id:
            raise PDError(404, "Not Found", 2100)
        return note

    def edit_note(self, incident: Incident, note_id: str, content: Any) -> Note:
        note = self.note(incident, note_id)
        if not isinstance(content, str) or not content.strip():
            raise invalid("Note content cannot be empty.")
        note.content = content
        note.updated_at = self.state.clock()
        return note

    def delete_note(self, incident: Incident, note_id: str) -> None:
        note = self.note(incident, note_id)
        incident.note_ids.remove(note.id)
        del self.state.notes[note.id]

    # -- custom fields, status updates, responders ---------------------------------------------
    def set_custom_fields(self, incident: Incident, values: Any, actor: Actor | None) -> None:
        if not isinstance(values, list):
            raise invalid("custom_fields must be a list")
        parsed = []
        for item in values:
            if not isinstance(item, dict) or "value" not in item:
                raise invalid("each custom field needs an id or name and a value")
            key = item.get("id") or item.get("name")
            if not isinstance(key, str):
                raise invalid("each custom field needs an id or name and a value")
            parsed.append((self.state.custom_field(key), item["value"]))
        changed = []
        for field, value in parsed:
            if incident.custom_field_values.get(field.id) != value:
                incident.custom_field_values[field.id] = value
                changed.append(field.id)
        if changed:
            entry = self.log(
                incident,
                "custom_field_value_change_log_entry",
                actor,
                "Custom field values changed.",
            )
            values_json = self.ser.custom_field_values(incident)
            data = {
                "incident": self.ser.incident_ref(incident),
                "type": "incident_field_values",
                "custom_fields": [
                    {"id": v["id"], "name": v["name"], "type": "field_value", "value": v["value"]}
                    for v in values_json
                ],
                "changed_custom_fields": [v for v in values_json if v["id"] in changed],
            }
            self.emit("incident.custom_field_values.updated", incident, actor, entry, data)

    def publish_status_update(
        self, incident: Incident, message: Any, actor: Actor | None
    ) -> dict[str, Any]:
        if not isinstance(message, str) or not message.strip():
            raise invalid("Message cannot be empty.")
        entry = self.log(
            incident,
            "status_update_log_entry",
            actor,
            "Status update published",
            {"type": "status_update", "summary": message},
        )
        data = {
            "incident": self.ser.incident_ref(incident),
            "id": entry.id,
            "message": message,
            "trimmed": False,
            "type": "incident_status_update",
        }
        self.emit("incident.status_update_published", incident, actor, entry, data)
        return data

    def add_responder(
        self, incident: Incident, user_id: str, message: str, actor: Actor | None
    ) -> dict[str, Any]:
        self.require_open(incident)
        self.state.require_user(user_id)
        responder = {
            "user_id": user_id,
            "message": message,
            "state": "pending",
            "requester_id": actor.id if actor and actor.kind == "user" else None,
            "at": self.state.clock(),
        }
        incident.responders.append(responder)
        entry = self.log(
            incident,
            "responder_request_log_entry",
            actor,
            "Responders requested",
            assignee_ids=[user_id],
        )
        data = {
            "incident": self.ser.incident_ref(incident),
            "user": self.ser.user_ref(user_id),
            "escalation_policy": None,
            "message": message,
            "state": "pending",
            "type": "incident_responder",
        }
        self.emit("incident.responder.added", incident, actor, entry, data)
        return responder
