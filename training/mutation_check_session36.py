"""Hand mutants of the code merged in session 35 (session 36): core/xml_chars.py, the characters XML
forbids in a GPX/KML export (XC); core/bom_text.py, a sidecar's byte order mark (BT); core/store_mend.py,
an old feature store's empty package tiles (SM); core/sources/missing_tiles.py, when a 404 was recorded
(MT); fetch.py's 'waiting for the server' events and the 404 asked again a day later (FE);
gui/elided_label.py, the label and status bar cut with "…" (EL); gui/view_menu.py, the View menu's pane
switches (VM); media/metadata.py's EXIF GPS minutes/seconds of 60, GPS references as words, XMP exif:GPS
fields, the zone told by the GPS UTC stamp, XMP sidecars and XMP capture times (MD).

Each mutant is one text replacement: training/hand_mutants.run applies it, runs the tests of its module
with `pytest -x` (the default tier), restores the file (a run past 600 s counts as killed). Run it in a
copy of the tree (`git archive HEAD`, .venv and data linked), never in a worktree being edited:

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen PYTHONPATH=. \
        python training/mutation_check_session36.py [XC1 BT2 ...] [--check]

--check: run nothing, list the mutants that no longer apply to today's code. The tests written for the
survivors went into each module's own test file (no --old-only/--new-only split: run the commit before
them for the tests as they were). Results and what each survivor meant: training/results/mutation36_session36.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hand_mutants import main_old_new  # noqa: E402

C = "geolocator/core/"
XC, BT, SM, MT = C + "xml_chars.py", C + "bom_text.py", C + "store_mend.py", C + "sources/missing_tiles.py"
FE, MD = C + "sources/fetch.py", C + "media/metadata.py"
EL, VM = "geolocator/gui/elided_label.py", "geolocator/gui/view_menu.py"

T_XC = ("tests/test_xml_chars.py", "tests/test_prop_export_names.py")
T_BT = ("tests/test_bom_text.py", "tests/test_prop_world_files.py")
T_SM = ("tests/test_store_mend.py",)
T_MT = ("tests/test_missing_tiles.py", "tests/test_fetch_waiting.py", "tests/test_mbtiles_exact.py", "tests/test_fetch_exact2.py")
T_FE = ("tests/test_fetch_waiting.py", "tests/test_fetch_exact2.py", "tests/test_fetch_exact.py")
T_EL = ("tests/test_elided_label.py", "tests/test_gui_hidpi.py", "tests/test_gui_laptop_widths.py")
T_VM = ("tests/test_gui_view_menu.py",)
T_MD = ("tests/test_field_writers.py", "tests/test_metadata_exact.py", "tests/test_metadata_exact2.py",
        "tests/test_metadata.py", "tests/test_prop_metadata.py")

M = [
 # core/xml_chars.py
 ("XC1", XC, "[^\\t\\n\\r\\x20-", "[^\\n\\r\\x20-", T_XC),
 ("XC2", XC, "\\ue000-\\ufffd", "\\ue000-\\uffff", T_XC),
 ("XC3", XC, "\\x20-\\ud7ff", "\\x1f-\\ud7ff", T_XC),
 ("XC4", XC, "escaped(m.group()), readable(text))", "escaped(m.group()), text)", T_XC),
 ("XC5", XC, "    return text.replace(\"\\r\", \"&#13;\")", "    return text", T_XC),
 ("XC6", XC, "    return char.encode(\"unicode_escape\").decode(\"ascii\")", "    return \"?\"", T_XC),
 # core/bom_text.py
 ("BT1", BT, "    (codecs.BOM_UTF32_LE, \"utf-32\"),", "    (codecs.BOM_UTF16_LE, \"utf-16\"),", T_BT),
 ("BT2", BT, "    (codecs.BOM_UTF8, \"utf-8-sig\"),", "    (codecs.BOM_UTF8, \"utf-8\"),", T_BT),
 ("BT3", BT, "    (codecs.BOM_UTF16_BE, \"utf-16\"),", "    (codecs.BOM_UTF16_BE, \"utf-16-le\"),", T_BT),
 ("BT4", BT, "            return codec\n    return \"utf-8\"", "            return codec\n    return \"latin-1\"", T_BT),
 ("BT5", BT, "    return raw.decode(bom_encoding(raw), errors=errors)", "    return raw.decode(bom_encoding(raw), errors=\"replace\")", T_BT),
 ("BT6", BT, "    (codecs.BOM_UTF32_BE, \"utf-32\"),\n", "", T_BT),
 ("BT7", BT, "decode_by_bom(Path(path).read_bytes(), errors=errors)", "decode_by_bom(Path(path).read_bytes())", T_BT),
 # core/store_mend.py
 ("SM1", SM, "        return float(found[\"min_valid_fraction\"]) == _threshold()", "        return \"min_valid_fraction\" in found", T_SM),
 ("SM2", SM, "    if judged(store.root):\n        return set()", "    if False:\n        return set()", T_SM),
 ("SM3", SM, "if getattr(it, \"ref\", None) is not None and rows[i] >= 0]", "if rows[i] >= 0]", T_SM),
 ("SM4", SM, "    todo = ids[_nonzero(store, rows[ids])] if len(ids) else ids", "    todo = ids", T_SM),
 ("SM5", SM, "            store.clear_rows(rows[sorted(found)])", "            store.clear_rows(np.asarray(sorted(found)))", T_SM),
 ("SM6", SM, "            store.clear_rows(rows[sorted(found)])\n        mark_judged(store.root)", "            store.clear_rows(rows[sorted(found)])\n        pass", T_SM),
 ("SM7", SM, "        return found\n    if len(todo):", "        return set()\n    if len(todo):", T_SM),
 ("SM8", SM, "    except (OSError, ValueError, GeolocatorError):\n        return None", "    except (OSError, ValueError, GeolocatorError):\n        return True", T_SM),
 ("SM9", SM, ".reshape(len(part), -1).any(axis=1)", ".reshape(len(part), -1).all(axis=1)", T_SM),
 ("SM10", SM, "zip(part, verdicts) if empty)", "zip(part, verdicts) if empty is not False)", T_SM),
 ("SM11", SM, "        os.replace(tmp, root / JUDGED)\n    except BaseException:\n        Path(tmp).unlink(missing_ok=True)",
  "        os.replace(tmp, root / JUDGED)\n    except BaseException:\n        pass", T_SM),
 # core/sources/missing_tiles.py
 ("MT1", MT, "        times[line] = max(times.get(line, -math.inf), when)", "        times[line] = when", T_MT),
 ("MT2", MT, "            except ValueError:\n                when = undated", "            except ValueError:\n                pass", T_MT),
 ("MT3", MT, "        if line.startswith(\"#\"):\n            continue\n", "", T_MT),
 # session 37 (mutation37): MT4, FE12, FE13 re-pointed, faults37 moved the clamp into missing_tiles.record_age and
 # the missing.txt read into fetch._read_missing_file
 ("MT4", MT, "    return max(now - when, 0.0)", "    return now - when", T_MT),
 ("MT5", MT, "            when = hit[0] if hit else None", "            when = None", T_MT),
 ("MT6", MT, "self.db.execute(f\"INSERT OR REPLACE INTO {TIME_TABLE}", "self.db.execute(f\"INSERT OR IGNORE INTO {TIME_TABLE}", T_MT),
 ("MT7", MT, "                undated = Path(path).stat().st_mtime", "                undated = time.time()", T_MT),
 ("MT8", MT, "        when = None\n        if self._made:", "        when = None\n        if False:", T_MT),
 ("MT9", MT, "STAMP + datetime.fromtimestamp(when, timezone.utc).strftime", "STAMP + datetime.fromtimestamp(when).strftime", T_MT),
 # core/sources/fetch.py: waiting, and a 404 asked again
 ("FE1", FE, "    if waited_s < WAIT_SAY_S:", "    if waited_s <= WAIT_SAY_S:", T_FE),
 ("FE2", FE, "eta_s=None if eta is None else max(eta, waited_s),", "eta_s=eta,", T_FE),
 ("FE3", FE, "    seconds = int(waited_s)", "    seconds = round(waited_s)", T_FE),
 ("FE4", FE, "metrics={\"MB\": round(report.bytes / 1e6, 2), \"waiting_s\": seconds})", "metrics={\"MB\": round(report.bytes / 1e6, 2)})", T_FE),
 ("FE5", FE, "        elif age >= retry_missing_after_s:", "        elif age > retry_missing_after_s:", T_FE),
 ("FE6", FE, "        return 0.0 if sink.known_missing(z, x, y) else None", "        return math.inf if sink.known_missing(z, x, y) else None", T_FE),
 ("FE7", FE, "                if not stop.is_set() and _wait_clock() - beat >= WAIT_EVENT_S:", "                if _wait_clock() - beat >= WAIT_EVENT_S:", T_FE),
 ("FE8", FE, "            beat = _wait_clock()\n            in_flight -= 1", "            in_flight -= 1", T_FE),
 ("FE9", FE, "            heard_at = _wait_clock()\n            if item == ASK_AGAIN:", "            if item == ASK_AGAIN:", T_FE),
 ("FE10", FE, "                report.asked_again += 1", "                pass", T_FE),
 ("FE11", FE, "        if key in self._recorded:  # by this run already\n            return\n", "", T_FE),
 ("FE12", FE, "        return None if when is None else record_age(when, time.time())", "        return None if when is None else time.time() - when", T_FE),
 ("FE13", FE, "    return read_missing_text(text, undated)", "    return read_missing_text(text, 0.0)", T_FE),
 ("FE14", FE, "            yield ASK_AGAIN\n            todo.append((z, x, y))", "            yield ASK_AGAIN", T_FE),
 ("FE15", FE, "        stamp = now - self._stamped >= 60.0", "        stamp = True", T_FE),
 ("FE16", FE, "        self._missing[key] = self._stamped", "        self._missing[key] = self._stamped - 86400.0", T_FE),
 ("FE17", FE, "MISSING_RETRY_S = 24 * 3600.0", "MISSING_RETRY_S = 3600.0", T_FE),
 ("FE18", "geolocator/core/sources/mbtiles.py", "        return self._missing_times.age(z, x, 2**z - 1 - y)", "        return self._missing_times.age(z, x, y)", T_MT),
 # gui/elided_label.py
 ("EL1", EL, "            super().setText(shown)\n        self.setToolTip(self._full if shown != self._full else \"\")",
  "            super().setText(shown)\n        self.setToolTip(self._full)", T_EL),
 ("EL2", EL, "        hint.setWidth(min(hint.width(), self.fontMetrics()", "        hint.setWidth(max(hint.width(), self.fontMetrics()", T_EL),
 ("EL3", EL, "        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4)",
  "        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full))", T_EL),
 ("EL4", EL, "        if event.type() == event.Type.FontChange:\n            self._fit()", "        if event.type() == event.Type.FontChange:\n            pass", T_EL),
 ("EL5", EL, "        super().resizeEvent(event)\n        self._fit()", "        super().resizeEvent(event)", T_EL),
 ("EL6", EL, "        return self._full if current and current == self._shown else current", "        return current", T_EL),
 ("EL7", EL, "if w.isVisible() and w.x() > 0]", "if w.x() > 0]", T_EL),
 ("EL8", EL, "        shown = shown or (\"…\" if self._full else \"\")", "        shown = shown", T_EL),
 ("EL9", EL, "        if message != self._shown:", "        if False:", T_EL),
 ("EL10", EL, "            QTimer.singleShot(0, self._refit)", "            pass", T_EL),
 ("EL11", EL, "        super().resizeEvent(event)\n        if self._ours():", "        super().resizeEvent(event)\n        if False:", T_EL),
 ("EL12", EL, "        remaining = 0 if self._until is None else", "        remaining = 0 if True else", T_EL),
 ("EL13", EL, "        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)",
  "        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)", T_EL),
 ("EL14", EL, "        return bool(self._shown) and super().currentMessage() == self._shown", "        return bool(self._shown)", T_EL),
 # gui/view_menu.py
 ("VM1", VM, "        return not self.side.isHidden() and self.side_index not in self.splitter.given_way",
  "        return not self.side.isHidden()", T_VM),
 ("VM2", VM, "        self.list_gave_way = False\n        self.list_pane.setVisible(on)", "        self.list_pane.setVisible(on)", T_VM),
 ("VM3", VM, "            if all(p.isHidden() for p in self.panels.values()):\n                for p", "            if False:\n                for p", T_VM),
 ("VM4", VM, "        if not on and not self._seen(panel):", "        if False:", T_VM),
 ("VM5", VM, "                target.setFocus(Qt.FocusReason.ShortcutFocusReason)", "                pass", T_VM),
 ("VM6", VM, "            self.side.verticalScrollBar().setValue(panel.y())", "            pass", T_VM),
 ("VM7", VM, "            if all(p.isHidden() for p in self.panels.values()):\n                self._hide_side()",
  "            if False:\n                self._hide_side()", T_VM),
 ("VM8", VM, "        return 0 <= top < view.height() and 2 * shown >= min(panel.height(), view.height())",
  "        return 0 <= top < view.height() and shown > 0", T_VM),
 ("VM9", VM, "in self.splitter.given_way and not self.list_pane.isHidden():", "in self.splitter.given_way:", T_VM),
 ("VM10", VM, "        if self.list_gave_way:\n            self.list_gave_way = False\n            self.list_pane.show()\n        self._share()",
  "        if False:\n            self.list_gave_way = False\n            self.list_pane.show()\n        self._share()", T_VM),
 ("VM11", VM, "            if self.list_gave_way and self.splitter.holds_all():", "            if self.list_gave_way:", T_VM),
 ("VM12", VM, "                inner.setVisible(not folded)", "                pass", T_VM),
 ("VM13", VM, "        self.list_gave_way = False\n        self._share()\n", "        self._share()\n", T_VM),
 ("VM14", VM, "        if len(hidden) == len(self.panels):\n            d[\"side\"] = False", "        if False:\n            d[\"side\"] = False", T_VM),
 ("VM15", VM, "bool(d.get(\"list_gave_way\", False)) and self.list_pane.isHidden()", "bool(d.get(\"list_gave_way\", False))", T_VM),
 ("VM16", VM, "        if not isinstance(d, dict):\n            return False", "        if d is None:\n            return False", T_VM),
 ("VM17", VM, "        self.list_gave_way = False  # the list hidden to make room", "        self.list_gave_way = True  # the list hidden to make room", T_VM),
 # core/media/metadata.py: minutes/seconds of 60, references as words, XMP exif:GPS
 ("MD1", MD, "not (0 <= parts[1] <= 60)", "not (0 <= parts[1] < 60)", T_MD),
 ("MD2", MD, "not (0 <= parts[2] <= 60)", "not (0 <= parts[2] < 60)", T_MD),
 ("MD3", MD, "not (0 <= parts[2] <= 60)", "not (0 <= parts[2] <= 61)", T_MD),
 ("MD4", MD, "    if letter is not None and letter in letters:", "    if letter is not None:", T_MD),
 ("MD5", MD, "    letter = _DIRECTION_WORDS.get((text or \"\").upper())", "    letter = _DIRECTION_WORDS.get((text or \"\")[:1].upper())", T_MD),
 ("MD6", MD, "\"W\": \"W\", \"WEST\": \"W\"}", "\"W\": \"W\"}", T_MD),
 ("MD7", MD, "    if letter not in letters or not 1 <= len(parts) <= 3 or any(", "    if not 1 <= len(parts) <= 3 or any(", T_MD),
 ("MD8", MD, "    return -degrees if letter == letters[1] else degrees", "    return degrees", T_MD),
 ("MD9", MD, "    if (xmp.get(\"exif:GPSStatus\") or \"\").strip().upper() == \"V\":", "    if False:", T_MD),
 ("MD10", MD, "        raise _Reject(\"XMP exif has a GPSLatitude or a GPSLongitude but not both\")", "        return None", T_MD),
 ("MD11", MD, "    words = text.strip().replace(\" \", \"\")", "    words = text.strip()", T_MD),
 # the zone told by the GPS UTC stamp
 ("MD12", MD, "GPS_CLOCK_TOLERANCE = timedelta(minutes=2)", "GPS_CLOCK_TOLERANCE = timedelta(minutes=7)", T_MD),
 ("MD13", MD, " or abs(offset) > timedelta(hours=14):", ":", T_MD),
 ("MD14", MD, "    offset = ZONE_STEP * round(difference / ZONE_STEP)", "    offset = timedelta(hours=round(difference / timedelta(hours=1)))", T_MD),
 ("MD15", MD, "0 <= m < 60 and 0 <= sec <= 60)", "0 <= m < 60 and 0 <= sec < 60)", T_MD),
 ("MD16", MD, "    if from_exif and _recorded_offset(exif_ifd) is None:", "    if _recorded_offset(exif_ifd) is None:", T_MD),
 ("MD17", MD, "    if captured_at is None or captured_at.tzinfo is None:\n        return None", "    if captured_at is None:\n        return None", T_MD),
 ("MD18", MD, "(\" (zone from the GPS time)\" if zone_source == \"gps\" else \"\")", "\"\"", T_MD),
 ("MD19", MD, "    return utc_offset(_text(exif_ifd.get(0x9011)) or _text(exif_ifd.get(0x9010)) or \"\")",
  "    return utc_offset(_text(exif_ifd.get(0x9011)) or \"\")", T_MD),
 # XMP sidecars, XMP times, XMP altitude
 ("MD20", MD, "    names = (path.name + \".xmp\", path.name + \".XMP\", path.stem + \".xmp\", path.stem + \".XMP\")",
  "    names = (path.name + \".xmp\", path.stem + \".xmp\")", T_MD),
 ("MD21", MD, "    names = (path.name + \".xmp\", path.name + \".XMP\", path.stem + \".xmp\", path.stem + \".XMP\")",
  "    names = (path.stem + \".xmp\", path.stem + \".XMP\", path.name + \".xmp\", path.name + \".XMP\")", T_MD),
 ("MD22", MD, " or sidecar.stat().st_size > SIDECAR_MAX_BYTES:", ":", T_MD),
 ("MD23", MD, "            out.setdefault(key, value)", "            out[key] = value", T_MD),
 ("MD24", MD, "        xmp.setdefault(key, value)", "        xmp[key] = value", T_MD),
 ("MD25", MD, "        except (OSError, ValueError) as exc:\n            log.debug(\"%s: sidecar not read", "        except OSError as exc:\n            log.debug(\"%s: sidecar not read", T_MD),
 ("MD26", MD, "        gps_alt = xmp_alt * (-1 if _float(xmp.get(\"exif:GPSAltitudeRef\")) == 1 else 1)", "        gps_alt = xmp_alt", T_MD),
 ("MD27", MD, "        if 1 < when.year < 9999:\n            return when", "        if True:\n            return when", T_MD),
 ("MD28", MD, "        if \"T\" not in text:", "        if not text:", T_MD),
 ("MD29", MD, "XMP_TIME_KEYS = (\"exif:DateTimeOriginal\", \"photoshop:DateCreated\", \"xmp:CreateDate\")",
  "XMP_TIME_KEYS = (\"xmp:CreateDate\", \"photoshop:DateCreated\", \"exif:DateTimeOriginal\")", T_MD),
 ("MD30", MD, "    captured_at = exif_time or _xmp_time(xmp)", "    captured_at = _xmp_time(xmp) or exif_time", T_MD),
 ("MD31", MD, "        except ValueError:\n            continue\n        if 1 < when.year", "        except ValueError:\n            return None\n        if 1 < when.year", T_MD),
]

if __name__ == "__main__":
    raise SystemExit(main_old_new(M, (), sys.argv[1:]))
