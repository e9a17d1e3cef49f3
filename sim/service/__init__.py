"""Service operations: the contact centre as an event simulation (simpy) feeding satisfaction.

Modules (import them directly; this package imports nothing, so :mod:`sim.scenario` can
declare the ``[service]`` section from :mod:`sim.service.params`):

* :mod:`sim.service.params`: the scenario's optional ``[service]`` section;
* :mod:`sim.service.model`: the event engine (simpy);
* :mod:`sim.service.erlang`: Erlang C and Erlang A closed forms;
* :mod:`sim.service.queue`: the stationary queue alone (``python -m sim queue``);
* :mod:`sim.service.kpis`: service KPIs per year and by hour, batch-means intervals;
* :mod:`sim.service.loyalty_link`: experienced service → perceived performance points;
* :mod:`sim.service.run`: a scenario's service year by year, its results with the feedback
  (:func:`sim.service.run.service_aware_run`) and "what do N more agents buy?".
"""
