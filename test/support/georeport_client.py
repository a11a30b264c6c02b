"""Calls a GeoReport v2 server through the PyPI `georeport` client, an Open311 client written
by others, and prints what it understood as JSON. Argument: a JSON list of calls."""
import json
import sys

from georeport import GeoReport

root, jurisdiction, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
out = []
for call in calls:
    client = GeoReport(root, jurisdiction=jurisdiction, output_format=call["format"])
    method = getattr(client, call["method"])
    try:
        out.append({"ok": method(**call.get("args", {}))})
    except Exception as err:  # the HTTP status the client raised on
        response = getattr(err, "response", None)
        out.append({"error": type(err).__name__, "status": getattr(response, "status_code", None)})
print(json.dumps(out))
