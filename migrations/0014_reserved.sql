SELECT 1;  -- reserved: another branch adds the real 0014 (this file only keeps the numbering whole until they merge)
