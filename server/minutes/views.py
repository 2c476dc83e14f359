from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.events.models import Event
from server.minutes import operations, storage
from server.minutes.models import MinutesPhoto
from server.minutes.schemas import MinutesPhotoSchema, MinutesSchema, MinutesWriteSchema, PhotoUploadSchema


class _MultipartParser(FlaskParser):
    """`files` arguments see the form fields of the same multipart body too (the photo's id)."""

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class MinutesBlueprint(FeatureBlueprint):
    ARGUMENTS_PARSER = _MultipartParser()


blp = MinutesBlueprint("minutes", __name__, description="Meeting minutes (会议记录): text and photos")


def _event_for_writing(event_id: int) -> Event:
    event = load_or_404(Event, event_id)
    require(principal().manages(event.branch_id), "Only the branch's secretary or organizer keeps the minutes.")
    return event


@blp.route("/events/<int:event_id>/minutes")
class EventMinutes(MethodView):
    @jwt_required()
    @blp.response(200, MinutesSchema)
    def get(self, event_id):
        """The event's minutes and the list of their photos (everyone who may see the event)."""
        event = load_or_404(Event, event_id)
        require(principal().can_view_branch(event.branch_id))
        minutes = operations.minutes_of(event)
        if minutes is None:  # not written yet: an empty state, not an error
            return {"event_id": event.id, "text": None, "version": 0, "photos": [], "exists": False}
        return minutes

    @jwt_required()
    @blp.arguments(MinutesWriteSchema)
    @blp.response(200, MinutesSchema)
    def put(self, data, event_id):
        """Write the minutes' text; sending the same nonce again changes nothing (offline outbox retries)."""
        event = _event_for_writing(event_id)
        return operations.write_minutes(event, data["text"], data["nonce"], data["base_version"],
                                        principal().user_id)


@blp.route("/events/<int:event_id>/minutes/photos")
class EventMinutesPhotos(MethodView):
    @jwt_required()
    @blp.arguments(PhotoUploadSchema, location="files")
    @blp.response(201, MinutesPhotoSchema)
    @blp.alt_response(200, schema=MinutesPhotoSchema, description="The photo was already stored under this photo id.")
    def post(self, data, event_id):
        """Add a photo (JPEG, PNG or WebP) to the minutes; multipart with `photo_id` and `file`.
        Idempotent by `photo_id`: a retry gets the stored photo back (200)."""
        event = _event_for_writing(event_id)
        photo, created = operations.add_photo(event, data["photo_id"], data["file"], principal().user_id)
        return photo, 201 if created else 200


@blp.route("/events/<int:event_id>/minutes/photos/<int:photo_id>")
class EventMinutesPhoto(MethodView):
    @jwt_required()
    @blp.response(200, content_type="image/*")
    def get(self, event_id, photo_id):
        """The photo itself, for those who may see the event."""
        event = load_or_404(Event, event_id)
        photo = load_or_404(MinutesPhoto, photo_id)
        if photo.minutes.event_id != event.id:
            abort(404, message="No such minutes photo.")
        require(principal().can_view_branch(event.branch_id))
        return storage.file_response(photo.path, photo.content_type, photo.sha256, f"minutes-{event.id}-{photo.id}")
