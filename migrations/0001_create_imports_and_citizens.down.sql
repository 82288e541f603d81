DROP TABLE citizens;
DROP TABLE imports;
