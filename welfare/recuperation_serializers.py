"""The API's shapes for the recuperation quota and batches. Reads render what the selector
annotated (``used``, ``allotted``); request bodies check JSON types only, the values are
welfare.recuperation_forms' job behind the services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import RecuperationBatch, RecuperationQuota


class BatchRefSerializer(serializers.ModelSerializer):
    """A batch as a request shows it."""

    class Meta:
        model = RecuperationBatch
        fields = ["id", "year", "name", "destination", "starts_on", "ends_on"]
        read_only_fields = fields


class QuotaSerializer(serializers.ModelSerializer):
    used = serializers.IntegerField(read_only=True, help_text="已占用名额（审核中、办理中和已批准的申请）")
    remaining = serializers.SerializerMethodField(help_text="剩余名额")

    class Meta:
        model = RecuperationQuota
        fields = ["id", "year", "places", "used", "remaining", "min_years_of_service", "interval_years", "note"]
        read_only_fields = fields

    def get_remaining(self, quota: Any) -> int:
        return max(quota.places - quota.used, 0)


class BatchSerializer(serializers.ModelSerializer):
    allotted = serializers.IntegerField(read_only=True, help_text="已分配到此批次的人数")
    remaining = serializers.SerializerMethodField(help_text="剩余人数")

    class Meta:
        model = RecuperationBatch
        fields = [
            "id",
            "year",
            "name",
            "destination",
            "starts_on",
            "ends_on",
            "capacity",
            "allotted",
            "remaining",
            "note",
        ]
        read_only_fields = fields

    def get_remaining(self, batch: Any) -> int:
        return max(batch.capacity - batch.allotted, 0)


def _int() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True)


def _text() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True)


class QuotaWriteSerializer(serializers.Serializer):
    year = _int()
    places = _int()
    min_years_of_service = _int()
    interval_years = _int()
    note = _text()


class BatchWriteSerializer(serializers.Serializer):
    year = _int()
    name = _text()
    destination = _text()
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    capacity = _int()
    note = _text()
