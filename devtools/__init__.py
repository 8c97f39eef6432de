"""Tools for developers, not part of the product: a softphone that calls the hotline from
the terminal (`flask --app app call`), the same softphone in the browser (/simulator, in
development only), and a recorded history of calls for the dashboards (`flask seed-calls`).

devtools may import the product's packages; none of them imports devtools (app.py only
registers the commands and, in development, the simulator's page).
"""
