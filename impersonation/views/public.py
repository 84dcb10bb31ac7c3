"""The citizen's report form: CSRF, a honeypot and a per-address rate limit (R17)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render

from core.client_address import client_address
from impersonation import services
from impersonation.forms import ReportForm


@login_not_required
def report(request):
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["website"]:
                # A bot filled the hidden field: thank it and keep nothing.
                return redirect("public:report_thanks")
            try:
                services.check_rate(client_address(request))
            except services.TooManyReports as exc:
                form.add_error(None, exc.message)
                return render(request, "public/report.html", {"form": form}, status=429)
            services.report_create(
                reported_text=form.cleaned_data["reported_text"],
                description=form.cleaned_data["description"],
                contact_email=form.cleaned_data["contact_email"],
            )
            return redirect("public:report_thanks")
        return render(request, "public/report.html", {"form": form}, status=422)
    # Not cut: a too-long text is shown whole and refused with a message when sent.
    form = ReportForm(initial={"reported_text": request.GET.get("q", "")})
    return render(request, "public/report.html", {"form": form})


@login_not_required
def report_thanks(request):
    return render(request, "public/report_thanks.html")
