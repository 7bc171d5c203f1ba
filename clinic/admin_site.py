"""The staff admin site: Django's, with the second sign-in step (clinic.two_factor) in front of
every page when STAFF_TWO_FACTOR_REQUIRED is on.

After the password (the admin's own sign-in form, limited by django-axes) the member of staff
is signed in but not yet verified: every admin page sends them on to the second step. The
first time, that is enrolment: the authenticator app's QR code and secret, a code to confirm
it, then ten recovery codes shown once. Afterwards it asks for a code from the app, or a
recovery code.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from clinic import two_factor

RECOVERY_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )


class StaffAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and two_factor.has_passed(request)

    def waiting_for_second_factor(self, request) -> bool:
        return admin.AdminSite.has_permission(self, request) and not two_factor.has_passed(request)

    def login(self, request, extra_context=None):
        if request.method == "GET" and self.waiting_for_second_factor(request):
            return self.redirect_to_second_step(request, self.next_url(request))
        response = super().login(request, extra_context)
        if isinstance(response, HttpResponseRedirect) and self.waiting_for_second_factor(request):
            # The password was right: on to the second step, keeping where they were going.
            return self.redirect_to_second_step(request, response.url)
        return response

    def get_urls(self):
        return [
            path("two-factor/", self.second_step_view(self.verify_view), name="two_factor_verify"),
            path("two-factor/enrol/", self.second_step_view(self.enrol_view), name="two_factor_enrol"),
            path("two-factor/cancel/", self.second_step_view(self.cancel_view), name="two_factor_cancel"),
            path("two-factor/recovery-codes/", self.admin_view(self.recovery_codes_view), name="two_factor_recovery_codes"),
            *super().get_urls(),
        ]

    # --- The second step ----------------------------------------------------------------------

    def second_step_view(self, view):
        """For staff who gave their password and not yet a code; anyone else goes to the sign-in."""

        @never_cache
        @csrf_protect
        @sensitive_post_parameters("code")
        def inner(request):
            if not self.waiting_for_second_factor(request):
                return redirect(reverse("admin:login", current_app=self.name))
            return view(request)

        return inner

    def next_url(self, request) -> str:
        wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
        if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return wanted
        return reverse("admin:index", current_app=self.name)

    def redirect_to_second_step(self, request, next_url):
        step = "admin:two_factor_verify" if two_factor.authenticator_of(request.user) else "admin:two_factor_enrol"
        return redirect(f"{reverse(step, current_app=self.name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")

    def render_step(self, request, template, context):
        return render(request, template, {
            **self.each_context(request),
            "next": self.next_url(request),
            "username": request.user.get_username(),
            **context,
        })

    def verify_view(self, request):
        if two_factor.authenticator_of(request.user) is None:
            return self.redirect_to_second_step(request, self.next_url(request))
        form = CodeForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            accepted, wait = two_factor.verify(request, form.cleaned_data["code"])
            if accepted:
                return redirect(self.next_url(request))
            form.add_error("code", wrong_code_message(wait))
        return self.render_step(request, "admin/two_factor/verify.html", {"title": "Enter your code", "form": form})

    def enrol_view(self, request):
        if two_factor.authenticator_of(request.user) is not None:
            return self.redirect_to_second_step(request, self.next_url(request))
        device = two_factor.start_enrolment(request.user)
        form = CodeForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            codes, wait = two_factor.finish_enrolment(request, device, form.cleaned_data["code"])
            if codes is not None:
                request.session[RECOVERY_CODES_SESSION_KEY] = codes
                recovery = reverse("admin:two_factor_recovery_codes", current_app=self.name)
                return redirect(f"{recovery}?{urlencode({REDIRECT_FIELD_NAME: self.next_url(request)})}")
            form.add_error("code", wrong_code_message(wait))
        return self.render_step(request, "admin/two_factor/enrol.html", {
            "title": "Set up two-step sign-in",
            "form": form,
            "qr_code": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_typing(device),
        })

    @method_decorator(require_POST)
    def cancel_view(self, request):
        logout(request)
        return redirect(reverse("admin:login", current_app=self.name))

    def recovery_codes_view(self, request):
        """The new recovery codes, once: they leave the session as they are shown."""
        codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
        if not codes:
            return redirect(self.next_url(request))
        return self.render_step(request, "admin/two_factor/recovery_codes.html", {"title": "Your recovery codes", "codes": codes})


def wrong_code_message(wait_seconds: int) -> str:
    if wait_seconds:
        return (f"That code did not work. Please wait {wait_seconds} seconds before trying again: "
                "each wrong code makes the wait longer.")
    return "That code did not work. Please check the code in your app (it changes every 30 seconds) and try again."
