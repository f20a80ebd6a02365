"""Finish the render: tell the author what to do next.

It changes no files, so cruft can re-run it on every update.
"""

import json
import sys

# Answers arrive as data, never as code (see pre_gen_project.py).
ANSWERS = json.loads(r'{{ cookiecutter | tojson }}')  # fmt: skip


def next_steps(answers):
    return "\n".join(
        [
            f"Created {answers['plugin_name']}. Next steps:",
            f"  cd {answers['plugin_name']}",
            "  llm install -e .",
            "  llm plugins",
            "",
        ]
    )


def main():
    print(next_steps(ANSWERS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
