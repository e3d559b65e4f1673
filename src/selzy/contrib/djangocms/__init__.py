"""django CMS's form builder (djangocms-form-builder) whose forms also subscribe:
:mod:`selzy.contrib.djangocms.actions`.

Add ``"selzy.contrib.djangocms"`` to INSTALLED_APPS after ``djangocms_form_builder`` (and with
``selzy.contrib.django``): its app registers the "Subscribe (Selzy)" action. Needs django CMS
4.1 or later and djangocms-form-builder 0.7 (``pip install "selzy-connect[djangocms]"``).
"""
