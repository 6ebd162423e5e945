"""The MLflow server app: MLflow behind a second gate that trusts only the gateway.

``mlflow server --app-name sagemaker-studio-mlflow`` loads ``app.create_app``.
The app checks the gateway's proof, decides each request again from the
permission model exported by ``infra/`` (``permission_model.json``), records
who did what in an audit trail, and passes the rest to MLflow. Nothing here
is imported by the JupyterLab extension's package: MLflow is needed on the
server only.
"""
