import marshmallow as ma


class PersonalDataSchema(ma.Schema):
    profile = ma.fields.Dict(required=True)
    #: One section per domain that keeps data about the person.
    sections = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), required=True)
