"""What is installed, read from the real metadata of this environment (probes/distributions.py):
versions, copies, stale imports, declared requirements and the conflicts they show.

Written from the mutants of ``distributions.py`` that ``tests/test_env_report.py`` let through
(docs/mutation.md); ``importlib.metadata`` is the reference each answer is compared with.
"""

from __future__ import annotations

import importlib.metadata as md

import pytest

from kerasmagic.probes import distributions as D

pytestmark = pytest.mark.envs("tf221-k3", "tf215-k2", "bare")

METADATA = (
    "Metadata-Version: 2.1\nName: Some-Package\nVersion: 1.2.3\n"
    "Requires-Dist: numpy>=1.20\nRequires-Dist: pytest ; extra == 'test'\n"
    "\nName: not-this-one\nVersion: 9.9\n"
)


def test_the_header_block_gives_name_version_and_requirements():
    assert D._parse_name_and_version(METADATA) == ("Some-Package", "1.2.3")
    fields = list(D._header_fields(METADATA))
    assert ("requires-dist", "numpy>=1.20") in fields
    assert ("name", "not-this-one") not in fields  # the description after the blank line
    assert D._parse_name_and_version("Version: 2\nName: a\nName: b\n") == ("a", "2")
    assert list(D._header_fields("Name: a")) == [("name", "a")]


def test_versions_compare_as_versions():
    assert D._same_version("2.15.0", "2.15") is True
    assert D._same_version("2.15.0", "2.16.0") is False
    assert D._same_version("weird", "weird") is True and D._same_version("weird", "odd") is False
    assert D._same_version("", "x") is None


def test_stale_and_duplicated():
    def state(**kw) -> D.PackageState:
        return D.PackageState(name="keras", module="keras", **kw)

    assert state(imported=True, installed="3.1.0", imported_version="3.0.0").stale
    assert not state(imported=True, installed="3.1.0", imported_version="3.1").stale
    assert not state(imported=False, installed="3.1.0", imported_version="3.0.0").stale
    assert not state(imported=True, installed=None, imported_version="3.0.0").stale
    two = [D.Install("3.1.0", "/a"), D.Install("3.0.0", "/b")]
    assert state(installs=two).duplicated
    assert not state(installs=[D.Install("3.1.0", "/a"), D.Install("3.1.0", "/a")]).duplicated


def test_a_requirement_applies_here_or_not():
    assert D._requirement("pytest ; extra == 'test'") is None
    assert D._requirement("not a requirement !!") is None
    name, spec = D._requirement("Typing_Extensions>=4.0 ; python_version >= '3.8'")
    assert name == "typing-extensions" and str(spec) == ">=4.0"
    assert D._satisfies("numpy>=1.20", "1.26.0") is True
    assert D._satisfies("numpy>=1.20", "1.19.0") is False
    assert D._satisfies("numpy>=1.20", "not-a-version") is None
    assert D._satisfies("numpy>=2.0", "2.0.0rc1") is False and D._satisfies(
        "numpy>=2.0rc1", "2.0.0rc2"
    )
    fix = D.Conflict("tensorflow", "2.15.0", "keras<2.16,>=2.15.0", "keras", "3.0.0").fix_spec
    assert fix.startswith("keras") and set(fix[5:].split(",")) == {"<2.16", ">=2.15.0"}
    assert D.Conflict("a", "1", "numpy", "numpy", "1").fix_spec == "numpy"


def test_installed_versions_are_importlib_metadata_s():
    versions = D.installed_versions()
    for name in ("packaging", "pytest", "ipython"):
        assert versions[name] == md.version(name) == D.version_of(name)
    assert D.version_of("surely-not-installed-km") is None
    assert "surely-not-installed-km" not in versions


def test_package_states_of_what_is_installed_and_imported():
    import IPython
    import pytest as pytest_module

    states = {s.name: s for s in D.package_states({"ipython": "IPython", "pytest": "pytest",
                                                    "surely-not-installed-km": "nothing_km"})}  # fmt: skip
    assert set(states) == {"ipython", "pytest"}
    ipython = states["ipython"]
    assert ipython.installed == md.version("ipython") and ipython.imported
    assert ipython.imported_version == IPython.__version__
    assert ipython.imported_file == IPython.__file__ and not ipython.stale
    assert ipython.location and ipython.installs[0].location == ipython.location
    assert states["pytest"].imported_version == pytest_module.__version__
    # a module already reported under its installed distribution is not reported again under
    # another name that provides it (tensorflow / tensorflow-cpu), which is not installed here
    again = D.package_states({"ipython": "IPython", "ipython-other-km": "IPython"})
    assert [s.name for s in again] == ["ipython"]
    beside = D.package_states({"pytest": "pytest", "ipython-other-km": "IPython"})
    assert [s.name for s in beside] == ["pytest", "ipython-other-km"]  # another module's install
    alone = D.package_states({"ipython-other-km": "IPython"})
    assert [(s.name, s.imported, s.installed) for s in alone] == [("ipython-other-km", True, None)]


def test_conflicts_against_given_versions():
    """A package's declared requirement that the given versions violate is a conflict; one whose
    dependency is not installed, or that the versions meet, is not."""
    requires = [r for r in D._requires("ipython") if ";" not in r and ">" in r]
    assert requires, D._requires("ipython")
    line = requires[0]
    dep = D._requirement(line)[0]
    versions = {"ipython": md.version("ipython"), dep: "0.0.1"}
    conflicts = D.requirement_conflicts(["ipython"], versions)
    assert [(c.package, c.dependency, c.installed) for c in conflicts] == [
        ("ipython", dep, "0.0.1")
    ]
    assert conflicts[0].requirement == line.split(";")[0].strip()
    versions[dep] = md.version(dep)
    assert D.requirement_conflicts(["ipython"], versions) == []
    assert D.requirement_conflicts(["ipython"], {"ipython": md.version("ipython")}) == []
    assert D.requirement_conflicts(["ipython"], {dep: "0.0.1"}) == []  # ipython not given
