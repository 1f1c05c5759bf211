"""Local services for the demo and the tests: PostgreSQL, OpenSSH sshd (SFTP), an S3 API server.

Each binds 127.0.0.1 only, is started and stopped by the project, and fails with a message that
names the service when its port is taken or it does not come up.
"""
