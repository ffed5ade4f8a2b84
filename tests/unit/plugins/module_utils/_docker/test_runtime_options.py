# Copyright (c) 2026, labnet.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rules of the runtime options, and their normal form from the options and from the engine."""
from __future__ import annotations

import pytest

from ansible_collections.labnet.docker.plugins.module_utils._docker import runtime_options as rt


@pytest.mark.parametrize("name, normal", [("NET_ADMIN", "NET_ADMIN"), ("cap_net_admin", "NET_ADMIN"), ("CAP_SYS_TIME", "SYS_TIME"),
                                          (" bpf ", "BPF"), ("ALL", "ALL")])
def test_capability_names(name, normal):
    assert rt.parse_capability(name) == normal


@pytest.mark.parametrize("name", ["NET_ADMN", "CAP_", "", "NETADMIN", "CAP_CAP_NET_ADMIN"])
def test_unknown_capabilities_refused(name):
    with pytest.raises(rt.OptionError, match="is not a Linux capability"):
        rt.parse_capability(name)


@pytest.mark.parametrize("key", ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "fs.mqueue.msg_max", "kernel.msgmax",
                                 "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                 "kernel.shmmni", "kernel.shm_rmid_forced"])
def test_namespaced_sysctls(key):
    assert rt.parse_sysctls({key: 1}) == {key: "1"}


@pytest.mark.parametrize("key", ["kernel.hostname", "kernel.pid_max", "kernel.shm_next_id_x", "vm.swappiness", "fs.file-max",
                                 "kernel.msg", "netfilter.x"])
def test_host_sysctls_refused(key):
    with pytest.raises(rt.OptionError, match="is not namespaced"):
        rt.parse_sysctls({key: "1"})


def test_boolean_sysctl_refused():
    with pytest.raises(rt.OptionError, match="boolean"):
        rt.parse_sysctls({"net.ipv4.ip_forward": True})


@pytest.mark.parametrize("spec, normal", [
    ("data:/data", "data:/data:rw"),
    ("lab-data.1:/var/lib/x/:ro", "lab-data.1:/var/lib/x:ro"),
    ("/srv/lab:/etc/lab:ro", "/srv/lab:/etc/lab:ro"),
    ("/srv/lab/:/etc/lab:rw", "/srv/lab:/etc/lab:rw"),
])
def test_volumes(spec, normal):
    assert rt.parse_volume(spec) == normal


@pytest.mark.parametrize("spec, words", [
    ("data/dir:/data", "neither an absolute host path nor a volume name"),
    ("./data:/data", "neither an absolute host path nor a volume name"),
    ("a:/data", "neither an absolute host path nor a volume name"),
    ("data:relative", "is not an absolute path"),
    ("data:/data:rx", "neither ro nor rw"),
    ("data", "is not src:dst"),
    ("data::ro", "is not src:dst"),
])
def test_bad_volumes_refused(spec, words):
    with pytest.raises(rt.OptionError, match=words):
        rt.parse_volume(spec)


@pytest.mark.parametrize("spec, normal", [("/dev/net/tun", "/dev/net/tun:/dev/net/tun:rwm"), ("/dev/null:/dev/x:wr", "/dev/null:/dev/x:rw")])
def test_devices(spec, normal):
    assert rt.parse_device(spec) == normal


@pytest.mark.parametrize("spec", ["dev/null", "/dev/null:/x:rwx", "/dev/null:x"])
def test_bad_devices_refused(spec):
    with pytest.raises(rt.OptionError):
        rt.parse_device(spec)


@pytest.mark.parametrize("value, size", [("64m", 64 * 1024 ** 2), ("1g", 1024 ** 3), ("512MiB", 512 * 1024 ** 2), ("1.5G", 3 * 512 * 1024 ** 2),
                                         ("10485760", 10485760), ("0", 0), (" 8 MB ", 8 * 1024 ** 2)])
def test_memory(value, size):
    assert rt.parse_memory(value) == size


@pytest.mark.parametrize("value, words", [("lots", "is not a size"), ("64x", "is not a size"), ("-1m", "is not a size"), ("1m", "minimum of 6m"),
                                          ("", "is not a size")])
def test_bad_memory_refused(value, words):
    with pytest.raises(rt.OptionError, match=words):
        rt.parse_memory(value)


@pytest.mark.parametrize("value, nano", [(0.5, 500000000), ("2", 2000000000), (1, 1000000000), ("0.000000001", 1), (0, 0)])
def test_cpus(value, nano):
    assert rt.parse_cpus(value) == nano


@pytest.mark.parametrize("value", ["two", "-1", "nan", "inf", True, "0.0000000001", ""])
def test_bad_cpus_refused(value):
    with pytest.raises(rt.OptionError):
        rt.parse_cpus(value)


@pytest.mark.parametrize("value, nano", [("30s", 30 * 10 ** 9), ("1m30s", 90 * 10 ** 9), ("500ms", 5 * 10 ** 8), ("2h", 7200 * 10 ** 9),
                                         ("1.5s", 15 * 10 ** 8), (10, 10 * 10 ** 9), ("0", 0)])
def test_durations(value, nano):
    assert rt.parse_duration(value) == nano


@pytest.mark.parametrize("value, words", [("soon", "is not a duration"), ("10 s", "is not a duration"), ("5d", "is not a duration"),
                                          ("500us", "less than 1ms"), ("", "is not a duration")])
def test_bad_durations_refused(value, words):
    with pytest.raises(rt.OptionError, match=words):
        rt.parse_duration(value)


@pytest.mark.parametrize("value, normal", [("02:42:C0:A8:32:0A", "02:42:c0:a8:32:0a"), ("00:11:22:33:44:55", "00:11:22:33:44:55")])
def test_unicast_macs(value, normal):
    assert rt.parse_mac(value) == normal


@pytest.mark.parametrize("value, words", [("01:00:5e:00:00:01", "multicast"), ("ff:ff:ff:ff:ff:ff", "multicast"),
                                          ("02:42:c0:a8:32", "is not a MAC address"), ("02-42-c0-a8-32-0a", "is not a MAC address")])
def test_bad_macs_refused(value, words):
    with pytest.raises(rt.OptionError, match=words):
        rt.parse_mac(value)


@pytest.mark.parametrize("value, normal", [
    ("curl -f localhost", ["CMD-SHELL", "curl -f localhost"]),
    (["test", "-f", "/ready"], ["CMD", "test", "-f", "/ready"]),
    (["CMD-SHELL", "exit 0"], ["CMD-SHELL", "exit 0"]),
    ("NONE", ["NONE"]),
])
def test_health_tests(value, normal):
    assert rt.parse_health_test(value) == normal


def test_healthcheck_normal_form_matches_the_engine():
    wanted = rt.parse_healthcheck({"test": ["true"], "interval": "1s", "timeout": None, "retries": 3, "start_period": "500ms"})
    engine = {"Test": ["CMD", "true"], "Interval": 1000000000, "Retries": 3, "StartPeriod": 500000000}
    assert wanted == rt.health_from_engine(engine)


@pytest.mark.parametrize("value, words", [({"interval": "1s"}, "test is required"), ({"test": "true", "interval": "x"}, "interval: 'x'"),
                                          ({"test": "true", "retries": -1}, "retries: -1")])
def test_bad_healthchecks_refused(value, words):
    with pytest.raises(rt.OptionError, match=words):
        rt.parse_healthcheck(value)


def test_container_health_fields_left_out_come_from_the_image():
    image = {"Healthcheck": {"Test": ["CMD", "probe"], "Interval": 5 * 10 ** 9, "Retries": 2}}
    options = dict(rt.RUNTIME_DEFAULTS, healthcheck=rt.parse_healthcheck({"test": "true"}))
    health = rt.wanted_runtime(options, image)["healthcheck"]
    assert health == dict(test=["CMD-SHELL", "true"], interval=5 * 10 ** 9, timeout=0, retries=2, start_period=0)
    assert rt.wanted_runtime(dict(rt.RUNTIME_DEFAULTS), image)["healthcheck"]["test"] == ["CMD", "probe"]


def test_runtime_from_the_engine_in_the_options_normal_form():
    """An inspect document as dockerd 20.10 wrote it for a container made with these options."""
    options = dict(
        entrypoint=["sleep"], user="1000", working_dir="/tmp", capabilities=["NET_ADMIN"], cap_drop=["MKNOD"], privileged=False,
        sysctls={"net.ipv4.ip_forward": "1"}, devices=["/dev/null:/dev/labnull:rw"], volumes=["/srv:/srv:ro", "data:/data:rw"],
        tmpfs={"/scratch": "size=1m"}, memory=67108864, cpus=500000000, dns=["192.0.2.53"], dns_search=["lab.example"],
        healthcheck=rt.parse_healthcheck({"test": ["true"], "interval": "1s"}),
    )
    inspect = {
        "Config": {"Entrypoint": ["sleep"], "User": "1000", "WorkingDir": "/tmp",
                   "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000}},
        "HostConfig": {"CapAdd": ["CAP_NET_ADMIN"], "CapDrop": ["mknod"], "Privileged": False, "Sysctls": {"net.ipv4.ip_forward": "1"},
                       "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/labnull", "CgroupPermissions": "rw"}],
                       "Binds": ["data:/data:rw", "/srv:/srv:ro"], "Tmpfs": {"/scratch": "size=1m"}, "Memory": 67108864,
                       "NanoCpus": 500000000, "Dns": ["192.0.2.53"], "DnsSearch": ["lab.example"]},
    }
    assert rt.current_runtime(inspect) == rt.wanted_runtime(options, {})


def test_defaults_compare_equal_to_an_engine_default_container():
    inspect = {"Config": {"Entrypoint": None, "User": "", "WorkingDir": ""},
               "HostConfig": {"CapAdd": None, "CapDrop": None, "Binds": None, "Memory": 0, "NanoCpus": 0, "Dns": [], "DnsSearch": []}}
    assert rt.current_runtime(inspect) == rt.wanted_runtime({}, {})


def test_engine_volume_modes():
    assert rt.engine_volume("data:/data") == "data:/data:rw"
    assert rt.engine_volume("/srv:/srv:ro,z") == "/srv:/srv:ro"
