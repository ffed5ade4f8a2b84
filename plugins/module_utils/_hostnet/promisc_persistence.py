# Copyright (c) 2026, labnet.docker maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The promiscuous mode of a NIC, written into the network configuration that brings it up at boot.

Three network managers are understood, each by its own files under a root directory (``/`` for the
managed host itself, or the root file system of another system):

- systemd-networkd: ``[Link] Promiscuous=yes`` in a drop-in of the ``.network`` file that matches the
  NIC, or in a ``.network`` file of its own when none matches;
- NetworkManager: ``[ethernet] accept-all-mac-addresses=1`` in each keyfile profile bound to the NIC,
  or in a profile of its own when none is;
- ifupdown: an ``up ip link set dev $IFACE promisc on`` line in the NIC's ``iface`` stanza, or a
  stanza of its own when there is none.

Reading the files (:func:`read_config`) is kept apart from deciding what to write: the planners
(:func:`plan_change`, :func:`choose_manager`) are plain functions over plain data, and
:func:`apply_changes` writes what they planned.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import tempfile
import uuid

MANAGERS = ("networkd", "networkmanager", "ifupdown")
MANAGER_TITLES = dict(networkd="systemd-networkd", networkmanager="NetworkManager", ifupdown="ifupdown")
WRITER = "labnet.docker.nic_promisc"
OWN_PREFIX = "labnet-promisc-"

NETWORKD_DIRS = (
    "etc/systemd/network",
    "run/systemd/network",
    "usr/local/lib/systemd/network",
    "usr/lib/systemd/network",
    "lib/systemd/network",
)
NETWORKD_DROPIN = "90-labnet-promisc.conf"
NM_DIRS = (
    "etc/NetworkManager/system-connections",
    "run/NetworkManager/system-connections",
    "usr/lib/NetworkManager/system-connections",
)
NM_ETHERNET_SECTIONS = ("ethernet", "802-3-ethernet")
NM_KEY = "accept-all-mac-addresses"
IFUPDOWN_MAIN = "etc/network/interfaces"
IFUPDOWN_DIR = "etc/network/interfaces.d"
IFUPDOWN_UP_LINE = "up ip link set dev $IFACE promisc on"
IFUPDOWN_STANZA_WORDS = ("iface", "mapping", "auto", "source", "source-directory", "rename")
SERVICE_UNITS = dict(networkd="systemd-networkd.service", networkmanager="NetworkManager.service")
IFUP_PATHS = ("sbin/ifup", "usr/sbin/ifup")


class PersistenceError(Exception):
    """The setting cannot be written; the message says why and what to do."""


# --- secrets -----------------------------------------------------------------------------------
#
# A NetworkManager keyfile holds the profile's secrets unless an agent keeps them: Wi-Fi keys, 802.1X
# and VPN passwords, PINs, WireGuard keys. ifupdown stanzas can hold wpa_supplicant's. Diffs show them
# masked unless the task asks for them.

SECRET_MASK = "********"
# NetworkManager setting keys that hold secrets (nm-settings-nmcli(5)), by exact name.
NM_SECRET_KEYS = frozenset((
    "psk", "password", "password-raw", "pin", "leap-password", "private-key", "preshared-key", "mka-cak",
    "private-key-password", "phase2-private-key-password", "ca-cert-password", "client-cert-password",
    "phase2-ca-cert-password", "phase2-client-cert-password", "secrets",
))
# Sections whose every key is a secret (a VPN plugin's secrets).
NM_SECRET_SECTIONS = ("vpn-secrets",)
# ifupdown options that hold secrets (wpa_supplicant's wpa-*, wireless-tools' key).
IFUPDOWN_SECRET_OPTIONS = frozenset((
    "wpa-psk", "wpa-password", "wpa-private-key-passwd", "wpa-pin", "wpa-wep-key0", "wpa-wep-key1", "wpa-wep-key2",
    "wpa-wep-key3", "wireless-key", "wireless-key1", "wireless-key2", "wireless-key3", "wireless-key4",
))


def is_secret_key(section: str, key: str) -> bool:
    """Whether a keyfile key holds a secret: a known secret key, any ``*-password`` or ``wep-key*``
    (``-flags`` keys, which say where a secret is kept, are not secrets), or any key of a secrets section."""
    key = key.strip().lower()
    if key.endswith(("-flags", "-type")):
        return False
    return (section.strip().lower() in NM_SECRET_SECTIONS or key in NM_SECRET_KEYS
            or key.endswith(("-password", "-psk")) or key.startswith("wep-key"))


def mask_secrets(text: str | None) -> str | None:
    """``text`` with the value of every secret replaced by :data:`SECRET_MASK`, the rest as it was.

    INI-style files (NetworkManager keyfiles, systemd-networkd files) by section and key; ifupdown
    files by option (``wpa-psk VALUE``).
    """
    if text is None:
        return None
    out = []
    section = ""
    for raw in text.splitlines(keepends=True):
        line = raw.strip()
        ending = raw[len(raw.rstrip("\r\n")):]
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif line and line[0] not in "#;" and "=" in line:
            key = line.split("=", 1)[0]
            if is_secret_key(section, key):
                raw = raw[:raw.index("=") + 1] + SECRET_MASK + ending
        else:
            words = line.split(None, 1)
            if len(words) == 2 and words[0].lower() in IFUPDOWN_SECRET_OPTIONS:
                raw = raw[:raw.index(words[0]) + len(words[0])] + " " + SECRET_MASK + ending
        out.append(raw)
    return "".join(out)


class FileChange:
    """One file to write (``after`` is its new text) or to remove (``after`` is ``None``)."""

    def __init__(self, path: str, before: str | None, after: str | None, mode: int = 0o644):
        self.path = path
        self.before = before
        self.after = after
        self.mode = mode

    def diff(self, show_secrets: bool = False) -> dict:
        """The change as Ansible's diff; secrets masked (:func:`mask_secrets`) unless ``show_secrets``."""
        shown = (lambda text: text) if show_secrets else mask_secrets
        return dict(
            before_header=self.path if self.before is not None else "%s (absent)" % self.path,
            after_header=self.path if self.after is not None else "%s (absent)" % self.path,
            before=shown(self.before) or "",
            after=shown(self.after) or "",
        )

    def __repr__(self):
        return "FileChange(%r, %r, %r, %o)" % (self.path, self.before, self.after, self.mode)


# --- reading -----------------------------------------------------------------------------------


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise PersistenceError("Could not read %s: %s." % (path, exc.strerror or exc)) from exc


def _under(root: str, relative: str) -> str:
    return os.path.join(root, relative.lstrip("/"))


def _networkd_files(root: str) -> list[dict]:
    """The ``.network`` files networkd would read, in its order: by file name, the first directory wins."""
    chosen = {}
    for directory in NETWORKD_DIRS:
        full = _under(root, directory)
        if not os.path.isdir(full):
            continue
        for entry in os.listdir(full):
            if entry.endswith(".network") and entry not in chosen:
                path = os.path.join(full, entry)
                text: str | None
                if os.path.realpath(path) == "/dev/null":
                    text = ""  # masked
                else:
                    text = _read_text(path)
                if text is not None:
                    chosen[entry] = dict(name=entry, path=path, text=text)
    return [chosen[name] for name in sorted(chosen)]


def _nm_files(root: str) -> list[dict]:
    files = []
    for directory in NM_DIRS:
        full = _under(root, directory)
        if not os.path.isdir(full):
            continue
        for entry in sorted(os.listdir(full)):
            path = os.path.join(full, entry)
            if entry.startswith(".") or not os.path.isfile(path):
                continue
            text = _read_text(path)
            if text is not None:
                files.append(dict(name=entry, path=path, text=text))
    return files


def _ifupdown_files(root: str) -> list[dict]:
    """``/etc/network/interfaces`` and every file it sources, in reading order."""
    files = []
    seen = set()

    def visit(path, depth):
        if path in seen or depth > 8:
            return
        seen.add(path)
        text = _read_text(path)
        if text is None:
            return
        entry = dict(path=path, text=text, sources=[])
        files.append(entry)
        for word, pattern in ifupdown_sources(text):
            if not pattern.startswith("/"):
                pattern = os.path.join(os.path.dirname(path)[len(root.rstrip("/")):] or "/", pattern)
            full = _under(root, pattern)
            entry["sources"].append(dict(kind=word, pattern=full))
            if word == "source":
                targets = sorted(glob.glob(full))
            else:
                targets = [
                    os.path.join(full, name) for name in sorted(os.listdir(full))
                    if re.match(r"^[a-zA-Z0-9_-]+$", name)
                ] if os.path.isdir(full) else []
            for target in targets:
                if os.path.isfile(target):
                    visit(target, depth + 1)

    visit(_under(root, IFUPDOWN_MAIN), 0)
    return files


def _service_enabled(root: str, unit: str) -> bool:
    return bool(glob.glob(_under(root, "etc/systemd/system/*.wants/%s" % unit)))


def read_config(root: str) -> dict:
    """Everything the planners need from the files under ``root``, as plain data."""
    return dict(
        root=root,
        networkd=dict(files=_networkd_files(root), enabled=_service_enabled(root, SERVICE_UNITS["networkd"])),
        networkmanager=dict(files=_nm_files(root), enabled=_service_enabled(root, SERVICE_UNITS["networkmanager"])),
        ifupdown=dict(
            files=_ifupdown_files(root),
            enabled=any(os.path.exists(_under(root, p)) for p in IFUP_PATHS)
            and os.path.isfile(_under(root, IFUPDOWN_MAIN)),
        ),
    )


# --- parsing -----------------------------------------------------------------------------------


def ini_entries(text: str) -> list[tuple[str, str, str]]:
    """``(section, key, value)`` for every assignment of an INI-style file, in order (keys repeat)."""
    entries = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line:
            key, value = line.split("=", 1)
            entries.append((section, key.strip(), value.strip()))
    return entries


def _normal_mac(text: str | None) -> str:
    return (text or "").strip().lower().replace("-", ":")


def networkd_match(text: str, link: dict) -> str | None:
    """How a ``.network`` file matches the link: ``"exact"``, ``"pattern"`` or ``None`` (no match).

    ``Name=`` (globs, ``!`` inverts), ``MACAddress=`` and ``Kind=`` are evaluated; other conditions
    are assumed to hold. ``exact`` means the file names this one NIC only, so a drop-in to it
    changes no other NIC.
    """
    names: list[str] = []
    macs: list[str] = []
    kinds: list[str] = []
    invert = False
    for section, key, value in ini_entries(text):
        if section != "Match":
            continue
        if key == "Name":
            if not value:
                names, invert = [], False
                continue
            if value.startswith("!"):
                invert = True
                value = value[1:]
            names.extend(value.split())
        elif key == "MACAddress":
            macs = [] if not value else macs + [_normal_mac(m) for m in value.split()]
        elif key == "Kind":
            kinds = [] if not value else kinds + value.split()
    if names:
        hit = any(fnmatch.fnmatchcase(link["name"], pattern) for pattern in names)
        if hit == invert:
            return None
    if macs and _normal_mac(link.get("address")) not in macs:
        return None
    if kinds and (link.get("kind") or "") not in kinds:
        return None
    if (names == [link["name"]] and not invert) or macs == [_normal_mac(link.get("address"))]:
        return "exact"
    return "pattern"


def nm_profile_binds(text: str, link: dict) -> bool:
    """Whether a NetworkManager keyfile profile is bound to the link (by interface name or MAC)."""
    for section, key, value in ini_entries(text):
        if section == "connection" and key == "interface-name" and value == link["name"]:
            return True
        if section in NM_ETHERNET_SECTIONS and key == "mac-address" and value and \
                _normal_mac(value) == _normal_mac(link.get("address")):
            return True
    return False


def ifupdown_sources(text: str) -> list[tuple[str, str]]:
    """``(source|source-directory, pattern)`` for every source line of an interfaces file."""
    found = []
    for raw in text.splitlines():
        words = raw.split()
        if len(words) == 2 and words[0] in ("source", "source-directory"):
            found.append((words[0], words[1]))
    return found


def ifupdown_stanzas(text: str, ifname: str) -> list[tuple[int, int]]:
    """``(first, last)`` line numbers (0-based, inclusive) of each ``iface <ifname>`` stanza."""
    lines = text.splitlines()
    stanzas = []
    current = None
    for number, raw in enumerate(lines):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        starts = words[0] in IFUPDOWN_STANZA_WORDS or words[0].startswith("allow-")
        if starts:
            if current is not None:
                stanzas.append(current)
                current = None
            if words[0] == "iface" and len(words) >= 2 and words[1] == ifname:
                current = (number, number)
        elif current is not None:
            current = (current[0], number)
    if current is not None:
        stanzas.append(current)
    return stanzas


# --- rendering ---------------------------------------------------------------------------------


def _header(ifname: str) -> str:
    return "# Written by %s: promiscuous mode for %s.\n" % (WRITER, ifname)


def render_networkd_dropin(ifname: str) -> str:
    return _header(ifname) + "[Link]\nPromiscuous=yes\n"


def render_networkd_network(ifname: str) -> str:
    return _header(ifname) + "[Match]\nName=%s\n\n[Link]\nPromiscuous=yes\n" % ifname


def nm_profile_uuid(ifname: str) -> str:
    """A stable UUID for the module's own profile of ``ifname``, so that re-runs write the same file."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "https://labnet.invalid/nic_promisc/%s" % ifname))


def render_nm_profile(ifname: str) -> str:
    return _header(ifname) + (
        "[connection]\nid=%(id)s\nuuid=%(uuid)s\ntype=ethernet\ninterface-name=%(ifname)s\n\n"
        "[ethernet]\n%(key)s=1\n\n[ipv4]\nmethod=disabled\n\n[ipv6]\nmethod=disabled\n"
    ) % dict(id=OWN_PREFIX + ifname, uuid=nm_profile_uuid(ifname), ifname=ifname, key=NM_KEY)


def render_ifupdown_stanza(ifname: str) -> str:
    return _header(ifname) + "allow-hotplug %s\niface %s inet manual\n    %s\n" % (ifname, ifname, IFUPDOWN_UP_LINE)


def ini_set(text: str, section: str, key: str, value: str, sections: tuple = ()) -> str:
    """``text`` with ``key=value`` in ``section`` (or the first present of ``sections``), rest untouched."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    names = sections or (section,)
    current = None
    section_end = None
    for number, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            if current in names and section_end is None:
                section_end = number
            current = line[1:-1].strip()
            continue
        if current in names and "=" in line and line.split("=", 1)[0].strip() == key:
            lines[number] = "%s=%s\n" % (key, value)
            return "".join(lines)
    if current in names and section_end is None:
        section_end = len(lines)
    if section_end is not None:
        while section_end > 0 and not lines[section_end - 1].strip():
            section_end -= 1
        lines.insert(section_end, "%s=%s\n" % (key, value))
        return "".join(lines)
    prefix = "\n" if lines and lines[-1].strip() else ""
    return "".join(lines) + "%s[%s]\n%s=%s\n" % (prefix, section, key, value)


def ini_remove(text: str, sections: tuple, key: str) -> str:
    """``text`` without any ``key=`` line in ``sections``."""
    kept = []
    current = None
    for raw in text.splitlines(keepends=True):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current in sections and "=" in line and line.split("=", 1)[0].strip() == key:
            continue
        kept.append(raw)
    return "".join(kept)


def ifupdown_add_up_line(text: str, stanza: tuple[int, int]) -> str:
    """``text`` with the promisc ``up`` line appended to the stanza, indented like its options."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    first, last = stanza
    while last > first and not lines[last].strip():
        last -= 1
    indent = "    "
    for raw in lines[first + 1:last + 1]:
        if raw.strip() and not raw.lstrip().startswith("#"):
            indent = raw[:len(raw) - len(raw.lstrip())] or indent
            break
    lines.insert(last + 1, "%s%s\n" % (indent, IFUPDOWN_UP_LINE))
    return "".join(lines)


def ifupdown_has_up_line(text: str, stanza: tuple[int, int]) -> bool:
    lines = text.splitlines()
    return any(" ".join(line.split()) == IFUPDOWN_UP_LINE for line in lines[stanza[0]:stanza[1] + 1])


def ifupdown_remove_up_line(text: str) -> str:
    return "".join(raw for raw in text.splitlines(keepends=True) if " ".join(raw.split()) != IFUPDOWN_UP_LINE)


# --- deciding ----------------------------------------------------------------------------------


def configured_by(config: dict, link: dict) -> dict:
    """For each manager, the files under the root that configure the link."""
    return dict(
        networkd=[f["path"] for f in config["networkd"]["files"] if networkd_match(f["text"], link)][:1],
        networkmanager=[f["path"] for f in config["networkmanager"]["files"] if nm_profile_binds(f["text"], link)],
        ifupdown=[f["path"] for f in config["ifupdown"]["files"] if ifupdown_stanzas(f["text"], link["name"])],
    )


def choose_manager(config: dict, link: dict, forced: str = "auto") -> str:
    """The manager to write for: the forced one, else the one whose files configure the NIC, else the
    one enabled on that root. Raises :class:`PersistenceError` when that is not exactly one."""
    if forced != "auto":
        return forced
    configuring = configured_by(config, link)
    found = [m for m in MANAGERS if configuring[m]]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise PersistenceError(
            "NIC %r is configured by more than one network manager under %s: %s. Set persistent_manager "
            "to the one that brings it up at boot (%s)."
            % (link["name"], config["root"],
               "; ".join("%s (%s)" % (MANAGER_TITLES[m], ", ".join(configuring[m])) for m in found),
               ", ".join(MANAGERS)))
    enabled = [m for m in MANAGERS if config[m]["enabled"]]
    if len(enabled) == 1:
        return enabled[0]
    raise PersistenceError(
        "Could not tell which network manager brings up NIC %r under %s: no configuration names it, and %s. "
        "Set persistent_manager to one of %s."
        % (link["name"], config["root"],
           "more than one is enabled (%s)" % ", ".join(MANAGER_TITLES[m] for m in enabled) if enabled
           else "none of systemd-networkd, NetworkManager or ifupdown is enabled there",
           ", ".join(MANAGERS)))


def _own_name(ifname: str) -> str:
    return OWN_PREFIX + re.sub(r"[^a-zA-Z0-9_-]", "_", ifname)


def _write(path: str, before: str | None, wanted: str | None, mode: int = 0o644) -> list[FileChange]:
    return [] if before == wanted else [FileChange(path, before, wanted, mode)]


def _plan_networkd(config: dict, link: dict, enabled: bool) -> tuple[str, list[FileChange]]:
    root = config["root"]
    ifname = link["name"]
    files = config["networkd"]["files"]
    own_path = _under(root, "%s/90-%s.network" % (NETWORKD_DIRS[0], _own_name(ifname)))
    own = next((f for f in files if f["path"] == own_path), None)
    first = next((f for f in files if networkd_match(f["text"], link)), None)
    if first is None or first is own:
        return own_path, _write(own_path, own and own["text"], render_networkd_network(ifname) if enabled else None)
    # Another file matches first: the module's own .network (if any) is not read; remove it.
    changes = _write(own_path, own["text"], None) if own else []
    dropin = _under(root, "%s/%s.d/%s" % (NETWORKD_DIRS[0], first["name"], NETWORKD_DROPIN))
    if enabled and networkd_match(first["text"], link) != "exact":
        raise PersistenceError(
            "The systemd-networkd file %s matches NIC %r by a pattern that other NICs may match too; a drop-in "
            "there would make all of them promiscuous. Give %r a .network file of its own (a [Match] Name=%s "
            "that sorts before %s), then run the task again."
            % (first["path"], ifname, ifname, ifname, first["name"]))
    before = _read_text(dropin)
    return dropin, changes + _write(dropin, before, render_networkd_dropin(ifname) if enabled else None)


def _plan_networkmanager(config: dict, link: dict, enabled: bool) -> tuple[str, list[FileChange]]:
    root = config["root"]
    ifname = link["name"]
    own_path = _under(root, "%s/%s.nmconnection" % (NM_DIRS[0], _own_name(ifname)))
    profiles = [f for f in config["networkmanager"]["files"] if nm_profile_binds(f["text"], link)]
    own = next((f for f in profiles if f["path"] == own_path), None)
    others = [f for f in profiles if f is not own]
    if not others:
        return own_path, _write(own_path, own and own["text"], render_nm_profile(ifname) if enabled else None, 0o600)
    changes = _write(own_path, own["text"], None, 0o600) if own else []
    for profile in others:
        if enabled:
            wanted = ini_set(profile["text"], "ethernet", NM_KEY, "1", sections=NM_ETHERNET_SECTIONS)
        else:
            wanted = ini_remove(profile["text"], NM_ETHERNET_SECTIONS, NM_KEY)
        changes += _write(profile["path"], profile["text"], wanted, 0o600)
    return others[0]["path"], changes


def _plan_ifupdown(config: dict, link: dict, enabled: bool) -> tuple[str, list[FileChange]]:
    root = config["root"]
    ifname = link["name"]
    files = config["ifupdown"]["files"]
    own_path = _under(root, "%s/%s" % (IFUPDOWN_DIR, _own_name(ifname)))
    own = next((f for f in files if f["path"] == own_path), None)
    stanzas = [(f, s) for f in files if f is not own for s in ifupdown_stanzas(f["text"], ifname)]
    if stanzas:
        changes = _write(own_path, own["text"], None) if own else []
        holding = [f for f, s in stanzas if ifupdown_has_up_line(f["text"], s)]
        if not enabled:
            for f in {f["path"]: f for f in holding}.values():
                changes += _write(f["path"], f["text"], ifupdown_remove_up_line(f["text"]))
            return (holding or [stanzas[0][0]])[0]["path"], changes
        if holding:
            return holding[0]["path"], changes
        f, s = stanzas[0]
        return f["path"], changes + _write(f["path"], f["text"], ifupdown_add_up_line(f["text"], s))
    if _ifupdown_sources_path(files, own_path):
        before = own["text"] if own else _read_text(own_path)
        return own_path, _write(own_path, before, render_ifupdown_stanza(ifname) if enabled else None)
    main_path = _under(root, IFUPDOWN_MAIN)
    if not enabled:
        return main_path, []
    text = next((f["text"] for f in files if f["path"] == main_path), None)
    return main_path, _write(main_path, text, ifupdown_append(text or "", render_ifupdown_stanza(ifname)))


def ifupdown_append(text: str, stanza: str) -> str:
    """``text`` with ``stanza`` appended after one blank line."""
    if not text:
        return stanza
    return text.rstrip("\n") + "\n\n" + stanza


def _ifupdown_sources_path(files: list[dict], path: str) -> bool:
    """Whether a ``source`` or ``source-directory`` line of the interfaces files reads ``path``."""
    for entry in files:
        for source in entry["sources"]:
            if source["kind"] == "source" and fnmatch.fnmatchcase(path, source["pattern"]):
                return True
            if source["kind"] == "source-directory" and \
                    os.path.normpath(source["pattern"]) == os.path.dirname(path):
                return True
    return False


PLANNERS = dict(networkd=_plan_networkd, networkmanager=_plan_networkmanager, ifupdown=_plan_ifupdown)


def plan_change(config: dict, link: dict, manager: str, enabled: bool) -> tuple[str, list[FileChange]]:
    """Where ``manager`` keeps promiscuous mode for ``link`` (a dict with ``name``, ``address`` and
    ``kind``), and the files to write or remove so that it sets (or no longer sets) it; the list is
    empty when the files already say so."""
    return PLANNERS[manager](config, link, enabled)


# --- writing -----------------------------------------------------------------------------------


def check_writable(changes: list[FileChange]) -> None:
    """Raise :class:`PersistenceError` unless every planned file can be written, before anything is."""
    for change in changes:
        directory = os.path.dirname(change.path)
        while not os.path.isdir(directory) and os.path.dirname(directory) != directory:
            directory = os.path.dirname(directory)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PersistenceError(
                "Cannot write %s: directory %s is not writable for this user. Run the task as root "
                "(become: true), or check persistent_root." % (change.path, directory))


def apply_changes(module, changes: list[FileChange]) -> None:
    """Write or remove each planned file: atomically, keeping an existing file's mode."""
    for change in changes:
        try:
            if change.after is None:
                if os.path.exists(change.path):
                    os.remove(change.path)
                _remove_empty_dropin_dir(os.path.dirname(change.path))
                continue
            directory = os.path.dirname(change.path)
            os.makedirs(directory, mode=0o755, exist_ok=True)
            existed = os.path.exists(change.path)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".labnet-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(change.after)
            module.atomic_move(tmp, change.path)
            if not existed:
                os.chmod(change.path, change.mode)
        except OSError as exc:
            raise PersistenceError(
                "Could not write %s: %s. Check that the directory is writable (run the task as root, "
                "become: true) and that persistent_root is right." % (change.path, exc.strerror or exc)) from exc


def _remove_empty_dropin_dir(directory: str) -> None:
    if directory.endswith(".network.d") and os.path.isdir(directory) and not os.listdir(directory):
        os.rmdir(directory)
