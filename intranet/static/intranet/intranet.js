// Every page: a select marked data-autosubmit sends its form when changed (the presence
// menu). A static file, because the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit")) {
    field.form.submit();
  }
});
