DROP TABLE events_horizon;
DROP TABLE events;
