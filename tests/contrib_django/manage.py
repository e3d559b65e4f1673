"""manage.py for the test project (makemigrations for the module and the test CRM)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.contrib_django.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
