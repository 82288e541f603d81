DROP TABLE airport_confirmations;
DROP SEQUENCE airport_ids;
DROP TABLE airports;
