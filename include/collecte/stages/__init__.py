"""Stages of the flow (land -> extract/parse -> check -> load), as plain functions tasks call.

Each stage reads what the previous one wrote (raw or staged objects) and can be rerun alone.
"""
