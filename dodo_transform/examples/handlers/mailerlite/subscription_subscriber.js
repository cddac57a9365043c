function handler ( webhook ) {
if ( webhook . eventType === "subscription.active" ) {
const s = webhook . payload . data ;
webhook . url = "https://connect.mailerlite.com/api/subscribers" ;
webhook . payload = {
email: s . customer . email ,
fields: {
name: s . customer . name ,
subscription_plan: s . product_id ,
subscription_amount: ( s . recurring_pre_tax_amount / 100 ). toFixed ( 2 ),
billing_frequency: s . payment_frequency_interval ,
subscription_start: new Date (). toISOString (). split ( 'T' )[ 0 ]
},
groups: [ "165971156405323604" , "165971156405323605" ],
status: "active"
};
}
return webhook ;
}
