"""The files ``sspage init`` writes besides the content: hooks and workflows.

They are ``%``-templates (GitHub's ``${{ }}`` expressions clash with ``str.format``); every
value is inserted as a JSON string, which YAML reads as the same string whatever it holds.
The workflows call this repository's reusable workflows (``.github/workflows/site-check.yml``
and ``site-deploy.yml``) at the tag of the installed release; docs/deploying.md says why.
"""

from __future__ import annotations

from .shapes import to_json

#: The canonical repository of sspage: the hooks and the reusable workflow live there.
REPOSITORY = "sspage/sspage"
REPOSITORY_URL = f"https://github.com/{REPOSITORY}"
#: Hourly, at a minute away from the top of the hour when GitHub's schedulers are busiest.
DEPLOY_CRON = "17 * * * *"

GITIGNORE = "/public/\n/public-*/\n/.sspage/\n"

PRE_COMMIT_CONFIG = """\
# pre-commit (https://pre-commit.com): `pip install pre-commit && pre-commit install`
# checks every commit, and fills in the ids and timestamps that hand edits leave out.
repos:
  - repo: %(repository_url)s
    rev: %(rev)s
    hooks:
      - id: sspage-check
%(check_args)s      - id: sspage-fmt
%(fmt_args)s"""

CHECK_WORKFLOW = """\
# Checks every pull request: `sspage check --format github` shows each problem as an
# annotation on the line at fault, and `sspage fmt --check` fails if a page needs `sspage fmt`.
# Written by `sspage init`; see %(docs_url)s
name: sspage check

on:
  pull_request:

permissions:
  contents: read

concurrency:
  group: sspage-check-${{ github.ref }}
  cancel-in-progress: true

jobs:
  check:
    uses: %(check_workflow)s
    with:
      site: %(site)s
"""

DEPLOY_WORKFLOW = """\
# Builds the site and deploys it to GitHub Pages on every push to %(branch)s, and every
# hour, so that expiry and other changes that come with time take effect without a push.
# Turn it on once in the repository: Settings > Pages > Source: GitHub Actions.
# Written by `sspage init`; see %(docs_url)s
name: sspage deploy

on:
  push:
    branches: [%(branch)s]
  schedule:
    - cron: "%(cron)s"
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

# One deployment at a time; a run that is deploying is never cancelled halfway.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  deploy:
    uses: %(deploy_workflow)s
    with:
      site: %(site)s
"""

EXAMPLE_TITLE = "Example project"
EXAMPLE_SLUG = "example"
EXAMPLE_UPDATE = ("This page was made by `sspage init` to show how a page looks. "
                  "Change it in content/pages/example.yaml, or remove it with `sspage page rm example`.")
EXAMPLE_ITEMS = [
    {"text": "Kick-off meeting", "state": "complete"},
    {"text": "Design approved", "state": "active"},
    {"text": "Build and test", "state": "pending"},
]


def pre_commit_config(rev: str, site: str) -> str:
    """The ``.pre-commit-config.yaml``; a site below the repository's top is named with --site."""
    check_args = fmt_args = ""
    if site != ".":
        check_args = f"        args: [--site, {to_json(site)}, check]\n"
        fmt_args = f"        args: [--site, {to_json(site)}, fmt, --since, HEAD]\n"
    return PRE_COMMIT_CONFIG % {"repository_url": REPOSITORY_URL, "rev": to_json(rev),
                                "check_args": check_args, "fmt_args": fmt_args}


def workflows(rev: str, site: str, branch: str) -> dict[str, str]:
    """File name → text of the two workflows, for a site folder relative to the repository's top."""
    values = {
        "check_workflow": f"{REPOSITORY}/.github/workflows/site-check.yml@{rev}",
        "deploy_workflow": f"{REPOSITORY}/.github/workflows/site-deploy.yml@{rev}",
        "docs_url": f"{REPOSITORY_URL}/blob/{rev}/docs/deploying.md",
        "site": to_json(site, indent=None),
        "branch": to_json(branch, indent=None),
        "cron": DEPLOY_CRON,
    }
    return {"sspage-check.yml": CHECK_WORKFLOW % values, "sspage-deploy.yml": DEPLOY_WORKFLOW % values}
