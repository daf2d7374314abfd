"""Every operation's SDK method is named from its path and HTTP method, the seed's rule; no two
operations get one name, and the seed's 8 and the curated names (22 of them, 41 with an alert broker's step) come out as they are today."""

import collections
import pathlib
import re

from support import seed_facts
from support.spec_files import FULL, UPSTREAM, load_json, load_yaml, needs_upstream

from scripts.import_spec import LEFT_OUT, method_name, operations

API_MODULES = pathlib.Path(__file__).resolve().parents[2] / "skyportal_client" / "api"


def _curated_methods():
    """{name: (path, method)} of the methods the package has today, read from each one's docstring."""
    found = {}
    for module in sorted(API_MODULES.glob("*_api.py")):
        for name, verb, path in re.findall(r"def (api_\w+)\(.*?``([A-Z]+) (/\S+)``", module.read_text(), re.S):
            found[name] = (path, verb.lower())
    return found


def test_the_rule_on_the_seeds_example():
    assert method_name("/api/photometry/{photometry_id}", "get") == "api_photometry_photometry_id_get"
    assert method_name("/api/groups/{group_id}/usersFromGroups", "post") == "api_groups_group_id_users_from_groups_post"


def test_no_two_operations_get_the_same_name_and_each_is_named_by_the_rule():
    full = load_yaml(FULL)
    names = collections.Counter(method_name(path, method) for path, method, _ in operations(full))
    assert [name for name, count in names.items() if count > 1] == []
    assert all(operation["operationId"] == method_name(path, method) for path, method, operation in operations(full))


def test_the_curated_and_the_seeds_8_names_are_unchanged():
    curated = _curated_methods()
    assert len(curated) == 41  # the photometry pipeline's 22, and the 19 of an alert broker's step
    assert set(seed_facts.OPERATIONS) <= set(curated)
    assert {name: method_name(*route) for name, route in curated.items()} == {name: name for name in curated}
    full_names = {operation["operationId"] for _, _, operation in operations(load_yaml(FULL))}
    assert set(curated) <= full_names


@needs_upstream
def test_the_names_skyportals_routes_would_share_are_settled_by_leaving_out_the_duplicates():
    """The one rule for a name two routes would share: the route that duplicates the other is left out."""
    names = collections.defaultdict(list)
    for path, item in load_json(UPSTREAM)["paths"].items():
        for method in item:
            names[method_name(path, method)].append((path, method))
    left_out = {(route.path, route.method) for route in LEFT_OUT}
    shared = {name: routes for name, routes in names.items() if len(routes) > 1}
    assert shared   # /api/candidates and /api/candidates/, the public page's two regex spellings
    for routes in shared.values():
        assert len([route for route in routes if route not in left_out]) <= 1, routes
