// Child process for the concurrent-migration test: migrate the database named on the command line.
require('./ts-register');
const { migrate } = require('../../src/db/migrate.ts');
const { parseDatabaseUrl } = require('../../src/db/database-url.ts');

migrate(parseDatabaseUrl(process.argv[2])).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error) => {
    process.stderr.write(String(error && error.message));
    process.exit(1);
  },
);
