"""The demo's URLs: the admin (where the Selzy screens live), the module's public URLs (what
Selzy's servers call: the webhook, segment files; and the sign-up forms' own pages), a public
newsletter page with the sign-up form, and / sends you to the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

admin.site.site_header = "Demo CRM"
admin.site.site_title = "Demo CRM"
admin.site.index_title = "Leads and the Selzy module"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("selzy/", include("selzy.contrib.django.urls")),
    path("newsletter/", TemplateView.as_view(template_name="newsletter.html"), name="newsletter"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
