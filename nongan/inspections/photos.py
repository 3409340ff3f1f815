"""Photos from the field: checked by content (not by name), size-limited, EXIF read."""

import datetime as dt
import hashlib
import io

from django.http import FileResponse, Http404
from django.utils import timezone
from PIL import ExifTags, Image, UnidentifiedImageError

from nongan.core.errors import FieldErrors

MAX_PHOTO_BYTES = 10 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
# A photo more than this far in time or space from the inspection is flagged (not refused:
# clocks drift and GPS wanders, but an officer reviewing the record should look).
PHOTO_TIME_TOLERANCE = dt.timedelta(hours=2)
PHOTO_DISTANCE_TOLERANCE_M = 300


def inspect_image(data: bytes) -> dict:
    """The content type, digest and EXIF time/position of an image, or FieldErrors."""
    if len(data) > MAX_PHOTO_BYTES:
        raise FieldErrors({"file": f"照片不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB"})
    content_type = next((t for sig, t in SIGNATURES.items() if data.startswith(sig)), None)
    if content_type is None:
        raise FieldErrors({"file": "只接受 JPEG 或 PNG 照片（按文件内容判断）"})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise FieldErrors({"file": "照片文件已损坏，无法读取"}) from None
    if FORMATS.get(image.format) != content_type:
        raise FieldErrors({"file": "照片内容与格式不符"})
    taken_at, lon, lat = _exif(image)
    return {"content_type": content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "taken_at": taken_at, "lon": lon, "lat": lat}


def _exif(image):
    try:
        exif = image.getexif()
    except (AttributeError, OSError):
        return None, None, None
    if not exif:
        return None, None, None
    taken_at = None
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    raw = detail.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if raw:
        try:
            # EXIF has no zone; phones in Shanghai write local time.
            taken_at = timezone.make_aware(dt.datetime.strptime(str(raw), "%Y:%m:%d %H:%M:%S"))
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lon = lat = None
    try:
        if gps.get(2) and gps.get(4):
            lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
            lon = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (TypeError, ValueError, ZeroDivisionError):
        lon = lat = None
    return taken_at, lon, lat


def _degrees(value) -> float:
    d, m, s = (float(x) for x in value)
    return d + m / 60 + s / 3600


def serve(media):
    """The stored file of a photo or signature the caller already found in scope; a
    missing file is a 404 like a missing record."""
    if media is None or not media.file:
        raise Http404
    try:
        handle = media.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=media.content_type)
    response["Content-Length"] = media.size
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
