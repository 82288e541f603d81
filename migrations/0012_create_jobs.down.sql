DROP TABLE job_log;
DROP TABLE job_bodies;
DROP TABLE jobs;
